/**
 * A stream's delivery over SSE (SPEC section 4): `GET /v1/streams/:id/events` through fetch,
 * decoded with the protocol's SSE decoder.
 *
 * SSE has no ack channel for plain offsets, so flow control is TCP's: the link reads the
 * response body only while the stream's buffer has room, and feeds the decoder one line at a
 * time, so at most one event (one chunk) lands beyond the high-water mark. Unread bytes stay
 * in the socket buffers and the gateway, which writes only while the socket drains, stops.
 * Subscriptions are acknowledged by the stream through the HTTP ack endpoint.
 *
 * Liveness: the response headers must come within `CONNECT_TIMEOUT_MS` (else `unreachable`), and
 * while the link reads, some byte within the bound derived from the gateway's
 * `X-Spool-Heartbeat-Ms` (else `heartbeat_timeout`); either way the link ends and the stream
 * resumes on the next gateway.
 */
import {
  type Chunking,
  createSseDecoder,
  EPOCH_HEADER,
  encodeSseEventsQuery,
  HEARTBEAT_HEADER,
  livenessBoundMs,
  parseHeartbeatMs,
  type Result,
  type SpoolError,
  type SseEventsQueryInput,
  type SseMessage,
  streamPaths,
} from '@spool/protocol';
import {
  connectionLostError,
  errorFromResponse,
  silenceError,
  spoolError,
  unreachableError,
  violationError,
} from './errors.ts';
import { type Link, type LinkOutcome, type LinkSink, type Reception, settleOnce } from './link.ts';
import { CONNECT_TIMEOUT_MS, LivenessTimer } from './liveness-timer.ts';

export interface SseLinkInput {
  fetch: typeof fetch;
  headers: Record<string, string>;
  gateway: string;
  stream: string;
  /**
   * Resume at `from`, holding the items below it of `epoch`; or through `subscription`, telling
   * the gateway what we have (`from`).
   */
  start: { from: number; epoch?: string | undefined; subscription?: string | undefined };
  chunking: Chunking | undefined;
  /** The window to ask for (`?window=`): the room left in the stream's buffer. */
  window?: number | undefined;
  sink: LinkSink;
}

const LINE_FEED = 0x0a;

export class SseLink implements Link {
  readonly transport = 'sse' as const;
  readonly gateway: string;
  readonly outcome: Promise<LinkOutcome>;
  readonly #settle: (outcome: LinkOutcome) => boolean;
  readonly #input: SseLinkInput;
  readonly #controller = new AbortController();
  #first = true;
  /** Set by the decoder callback: how the link must end. */
  #stop: LinkOutcome | undefined;
  /** The wait for the answer, then for each sign of life; undefined bound: none told. */
  readonly #liveness: LivenessTimer;
  #answered = false;
  #boundMs: number | undefined;

  constructor(input: SseLinkInput) {
    this.#input = input;
    this.gateway = input.gateway;
    const { promise, settle } = settleOnce<LinkOutcome>();
    this.outcome = promise;
    this.#settle = settle;
    this.#liveness = new LivenessTimer((boundMs) =>
      this.#finish(
        this.#answered
          ? { kind: 'retry', error: silenceError(boundMs), moveOn: true }
          : {
              kind: 'retry',
              error: unreachableError(new Error(`no answer within ${boundMs} ms`)),
              moveOn: true,
            },
      ),
    );
    this.#run().then(
      (outcome) => this.#finish(outcome),
      (cause: unknown) =>
        this.#finish({ kind: 'retry', error: connectionLostError(cause), moveOn: false }),
    );
  }

  /** SSE carries no acks: consumption shows through the buffer's room, which the read loop awaits. */
  consumed(): boolean {
    return false;
  }

  drop(): void {
    this.#finish({
      kind: 'retry',
      error: connectionLostError(new Error('the application dropped it')),
      moveOn: false,
    });
  }

  dispose(): void {
    this.#finish({ kind: 'closed' });
  }

  #finish(outcome: LinkOutcome): void {
    this.#liveness.stop();
    if (this.#settle(outcome)) this.#controller.abort();
  }

  async #run(): Promise<LinkOutcome> {
    const { signal } = this.#controller;
    let response: Response;
    this.#liveness.arm(CONNECT_TIMEOUT_MS);
    try {
      response = await this.#input.fetch(this.#url(), {
        headers: this.#headers(),
        signal,
      });
    } catch (cause) {
      return { kind: 'retry', error: unreachableError(cause), moveOn: true };
    } finally {
      this.#liveness.pause();
    }
    this.#answered = true;
    if (response.status === 204) return { kind: 'complete' };
    if (!response.ok) return refused(await errorFromResponse(response), response.status);
    const heartbeatMs = parseHeartbeatMs(response.headers.get(HEARTBEAT_HEADER));
    this.#boundMs = heartbeatMs === undefined ? undefined : livenessBoundMs(heartbeatMs);
    const epoch = response.headers.get(EPOCH_HEADER) ?? undefined;
    if (this.#input.sink.started(undefined, epoch || undefined) === 'violation') return violation();
    if (response.body === null) return violation();
    return this.#read(response.body.getReader(), signal);
  }

  async #read(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    signal: AbortSignal,
  ): Promise<LinkOutcome> {
    const decoder = createSseDecoder((message) => this.#message(message));
    try {
      for (;;) {
        await this.#room(signal);
        if (signal.aborted) return { kind: 'closed' };
        this.#liveness.arm(this.#boundMs);
        const { done, value } = await reader.read();
        if (done) break;
        // One line at a time, so no more than one event (one chunk) overshoots the bound.
        let rest: Uint8Array | undefined = value;
        while (rest !== undefined && this.#stop === undefined) {
          await this.#room(signal);
          if (signal.aborted) return { kind: 'closed' };
          const end = rest.indexOf(LINE_FEED);
          if (end < 0 || end === rest.length - 1) {
            decoder.feed(rest);
            rest = undefined;
          } else {
            decoder.feed(rest.subarray(0, end + 1));
            rest = rest.subarray(end + 1);
          }
        }
        if (this.#stop !== undefined) return this.#stop;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    return {
      kind: 'retry',
      error: connectionLostError(new Error('the response ended before the stream did')),
      moveOn: false,
    };
  }

  /**
   * Waits for room in the stream's buffer. Silence counts only while we read: a link paused for
   * room hears nothing, rightly; the wait for bytes starts again when it reads on.
   */
  async #room(signal: AbortSignal): Promise<void> {
    const { sink } = this.#input;
    if (sink.hasRoom()) return;
    this.#liveness.pause();
    await sink.room(signal);
    this.#liveness.arm(this.#boundMs);
  }

  #message(result: Result<SseMessage>): void {
    if (this.#stop !== undefined) return;
    if (!result.ok) {
      // An event we cannot decode: the rest of this response cannot be trusted.
      this.#stop = violation();
      return;
    }
    const message = result.value;
    if (message.kind === 'error') {
      const error = spoolError(message.error.code, message.error.message);
      this.#stop =
        error.code === 'stream_reset'
          ? { kind: 'reset', error }
          : error.retryable
            ? { kind: 'retry', error, moveOn: error.code === 'draining' }
            : { kind: 'fatal', error };
      return;
    }
    const reception: Reception = this.#input.sink.received(message, this.#first);
    this.#first = false;
    if (reception === 'end') this.#stop = { kind: 'complete' };
    else if (reception === 'violation') this.#stop = violation();
  }

  #url(): string {
    const { gateway, stream, start, chunking } = this.#input;
    // With a subscription, what we have goes in `Last-Event-ID` (`?from=` is not allowed).
    const query: SseEventsQueryInput =
      start.subscription !== undefined
        ? { subscription: start.subscription }
        : {
            from: start.from > 0 ? start.from : undefined,
            epoch: start.from > 0 ? start.epoch : undefined,
          };
    if (chunking !== undefined) query.chunking = chunking;
    if (this.#input.window !== undefined) query.window = this.#input.window;
    return gateway + streamPaths.events(stream) + encodeSseEventsQuery(query);
  }

  #headers(): Record<string, string> {
    const { headers, start } = this.#input;
    const result: Record<string, string> = { ...headers, Accept: 'text/event-stream' };
    // With a subscription, `Last-Event-ID` says what we already have (`?from=` is not allowed).
    if (start.subscription !== undefined && start.from > 0) {
      result['Last-Event-ID'] = String(start.from);
    }
    return result;
  }
}

function refused(error: SpoolError, status: number): LinkOutcome {
  if (error.code === 'stream_reset') return { kind: 'reset', error };
  if (!error.retryable) return { kind: 'fatal', error };
  return { kind: 'retry', error, moveOn: status === 503 };
}

function violation(): LinkOutcome {
  return {
    kind: 'retry',
    error: violationError('The gateway broke the SSE protocol or offset order; resuming.'),
    moveOn: false,
  };
}
