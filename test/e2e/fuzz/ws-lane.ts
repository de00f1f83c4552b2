/**
 * One long-lived WebSocket of the fuzz suite. A case sends its frames, waits for the answers it
 * expects (an `error` frame naming a stream with one of the documented codes, or `subscribed`),
 * then sends a sentinel — an `ack` of a stream this socket never subscribed to, always answered
 * `not_subscribed` — and checks that nothing else (no other error, no other `subscribed`) came
 * before the sentinel's answer. Chunks are decoded and otherwise ignored.
 */
import { randomBytes } from 'node:crypto';
import { decodeServerFrame, type ErrorCode, type ServerFrame } from '@spool/protocol';
import WebSocket from 'ws';

export type WsSend = string | { binary: Buffer };

export interface WsExpect {
  /** The stream the answer names (undefined: none). */
  stream: string | undefined;
  /** Error codes allowed; `subscribed` allowed too when `subscribed` is set. */
  codes: readonly ErrorCode[];
  subscribed?: boolean;
}

export interface WsCase {
  label: string;
  sends: WsSend[];
  expect: WsExpect[];
  /** Sent once the expected answers came (e.g. `unsubscribe`). */
  after?: WsSend[];
}

export class WsLane {
  readonly socket: WebSocket;
  readonly #sentinel = `st_${randomBytes(16).toString('base64url')}`;
  #inbox: ServerFrame[] = [];
  readonly #undecodable: string[] = [];
  #wake: (() => void) | undefined;
  closed: { code: number; reason: string } | undefined;
  frames = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      this.frames += 1;
      const decoded = decodeServerFrame(data.toString('utf8'));
      if (!decoded.ok) {
        this.#undecodable.push(data.toString('utf8').slice(0, 200));
        return;
      }
      if (decoded.frame.kind === 'chunk' || decoded.frame.kind === 'heartbeat') return;
      this.#inbox.push(decoded.frame);
      this.#wake?.();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake?.();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsLane> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsLane(socket)));
      socket.once('error', reject);
    });
  }

  /** Runs one case; the problem, or undefined when every answer was documented and expected. */
  async run(fuzz: WsCase): Promise<string | undefined> {
    for (const frame of fuzz.sends) this.#send(frame);
    let problem: string | undefined;
    for (const expected of fuzz.expect) {
      // Answers naming one stream may come in any order: take one this expectation allows, if
      // one comes; else the first answer naming the stream is the wrong one.
      const named = (each: ServerFrame) => streamOf(each) === expected.stream;
      const frame =
        (await this.#take((each) => named(each) && !answerProblem(each, expected), 3_000)) ??
        (await this.#take(named, 0));
      problem ??= answerProblem(frame, expected);
    }
    // Always sent, even after a wrong answer, so that one case's leftovers do not spoil the next.
    for (const frame of fuzz.after ?? []) this.#send(frame);
    this.#send(JSON.stringify({ type: 'ack', stream: this.#sentinel, offset: 0 }));
    const sentinel = await this.#take((each) => streamOf(each) === this.#sentinel);
    if (sentinel?.kind !== 'error' || sentinel.error.code !== 'not_subscribed')
      return `the socket stopped answering${this.#closedNote()}`;
    const unexpected = this.#inbox.filter((frame) => frame.kind === 'error');
    // `subscribed` frames of streams this case did not wait for came late: keep none.
    this.#inbox = [];
    if (problem) return `${problem}${this.#closedNote()}`;
    if (unexpected.length > 0) return `unexpected ${JSON.stringify(unexpected.slice(0, 3))}`;
    if (this.#undecodable.length > 0) return `undecodable frames: ${this.#undecodable.join(' | ')}`;
    return undefined;
  }

  close(): void {
    this.socket.close();
  }

  #send(frame: WsSend): void {
    if (typeof frame === 'string') this.socket.send(frame);
    else this.socket.send(frame.binary, { binary: true });
  }

  #closedNote(): string {
    return this.closed ? ` (closed ${this.closed.code} ${this.closed.reason})` : '';
  }

  async #take(
    match: (frame: ServerFrame) => boolean,
    timeoutMs = 10_000,
  ): Promise<ServerFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#inbox.findIndex(match);
      if (index >= 0) return this.#inbox.splice(index, 1)[0];
      if (this.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function answerProblem(frame: ServerFrame | undefined, expected: WsExpect): string | undefined {
  if (frame === undefined) return `no answer naming ${expected.stream ?? 'no stream'}`;
  const allowed = [...expected.codes, ...(expected.subscribed ? ['subscribed'] : [])].join(' | ');
  if (frame.kind === 'subscribed')
    return expected.subscribed ? undefined : `subscribed, expected ${allowed}`;
  if (frame.kind !== 'error') return undefined;
  if (expected.codes.includes(frame.error.code as ErrorCode)) return undefined;
  return `answered ${frame.error.code} (${frame.error.message}), expected ${allowed}`;
}

function streamOf(frame: ServerFrame): string | undefined {
  if (frame.kind === 'error') return frame.error.stream;
  if (frame.kind === 'subscribed') return frame.stream;
  return undefined;
}
