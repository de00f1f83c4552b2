/**
 * One load connection from start to end: create the stream (or join one), read it over its
 * transport, behave as planned (slow, paused, dropping), resume after every drop, and report
 * what it received.
 */
import { streamPaths } from '@spool/protocol';
import {
  type ConnectionPlan,
  type ConnectionReport,
  newConnectionReport,
  type Resume,
} from '../shared/assignment.ts';
import { openGrpcLink } from './grpc-link.ts';
import { type Link, now } from './link.ts';
import { openSseLink } from './sse-link.ts';
import { StreamTracker } from './stream-tracker.ts';
import { openWsLink } from './ws-link.ts';

const MAX_RECONNECTS = 12;
const MAX_CREATE_ATTEMPTS = 5;
const MAX_ERRORS_KEPT = 5;

export interface ReaderContext {
  epoch: number;
  streams: Record<string, string>;
  deadline: AbortSignal;
}

export class StreamReader {
  readonly #plan: ConnectionPlan;
  readonly #context: ReaderContext;
  readonly tracker = new StreamTracker();
  readonly #report: ConnectionReport;
  #link: Link | undefined;
  #server = 0;
  #acked = 0;
  /** Items the application has processed (slow readers lag behind what arrived). */
  #processed = 0;
  #characters = 0;
  #firstTokenAt: number | undefined;
  #paused = false;
  /** Behaviour `hold`: stopped reading and waiting for `release()`; released: never again. */
  #holding = false;
  #released = false;
  #slowUntil = 0;
  #pendingResume: Resume | undefined;
  #drop: (() => void) | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(plan: ConnectionPlan, context: ReaderContext) {
    this.#plan = plan;
    this.#context = context;
    this.#report = newConnectionReport({
      index: plan.index,
      system: plan.system,
      transport: plan.transport,
      subscribes: [],
      chunks: this.tracker.chunks,
    });
  }

  get done(): boolean {
    return this.tracker.ended || this.#report.failed !== undefined;
  }

  get holding(): boolean {
    return this.#holding;
  }

  /** Behaviour `hold`: reads again (and never holds again). */
  release(): void {
    this.#released = true;
    if (!this.#holding) return;
    this.#holding = false;
    this.#setPaused(false);
  }

  async run(): Promise<ConnectionReport> {
    try {
      await delay(this.#context.epoch + this.#plan.startAtMs - now(), this.#context.deadline);
      const streamId = await this.#streamId();
      this.#report.streamId = streamId;
      await this.#readAll(streamId);
    } catch (error) {
      this.#report.failed ??= error instanceof Error ? error.message : String(error);
    } finally {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#link?.abort();
    }
    const { tracker } = this;
    return Object.assign(this.#report, {
      hash: tracker.digest(),
      next: tracker.next,
      duplicates: tracker.duplicates,
      gaps: tracker.gaps,
      ended: tracker.ended,
    });
  }

  async #streamId(): Promise<string> {
    const { plan } = { plan: this.#plan };
    if (plan.joinKey !== undefined) {
      const id = this.#context.streams[plan.joinKey];
      if (id === undefined) throw new Error(`no stream for key ${plan.joinKey}`);
      return id;
    }
    const urls = plan.createUrls ?? [];
    if (urls.length === 0 || !plan.create) throw new Error('nothing to create or join');
    // TTFT counts from the first attempt: what a user waits includes the retries.
    this.#report.createSentAt = now();
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(urls[this.#server % urls.length] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(plan.create),
        signal: this.#context.deadline,
      }).catch((error: unknown) => {
        // The server went away with the request (gateway-kill): whether the stream exists
        // cannot be known, so a client creates it again on the next server.
        this.#context.deadline.throwIfAborted();
        this.#error(`create: ${error instanceof Error ? error.message : error}`);
        if (attempt >= MAX_CREATE_ATTEMPTS) throw error;
        this.#server++;
        return undefined;
      });
      if (!response) continue;
      const body = (await response.json()) as { id?: string };
      if (response.ok && body.id) return body.id;
      this.#error(`create: ${response.status} ${JSON.stringify(body).slice(0, 120)}`);
      if (response.status !== 429 || attempt >= MAX_CREATE_ATTEMPTS)
        throw new Error(`create failed: ${response.status}`);
      await delay(100 * attempt, this.#context.deadline);
    }
  }

  async #readAll(streamId: string): Promise<void> {
    const subscription = this.#plan.subscription ? await this.#subscribe(streamId) : undefined;
    for (let attempt = 0; !this.tracker.ended; attempt++) {
      if (attempt > MAX_RECONNECTS) throw new Error('gave up after too many reconnects');
      const outcome = await this.#readOnce(streamId, subscription);
      if (this.tracker.ended) return;
      this.#context.deadline.throwIfAborted();
      if (outcome.kind === 'dropped') {
        await delay(outcome.offlineMs, this.#context.deadline);
        if (outcome.switchServer) this.#server++;
        this.#pendingResume = {
          startedAt: 0,
          reason: 'churn',
          switchedServer: outcome.switchServer,
        };
      } else {
        // Lost the server (killed, draining, slow consumer): resume on the next one.
        await delay(Math.min(20 * attempt, 500), this.#context.deadline);
        this.#server++;
        this.#pendingResume = { startedAt: 0, reason: 'dropped', switchedServer: true };
      }
    }
  }

  /** Creates the subscription an SSE reader with acks reads through: its id. */
  async #subscribe(streamId: string): Promise<string> {
    const baseUrl = this.#plan.readUrls[0] as string;
    const response = await fetch(`${baseUrl}${streamPaths.subscriptions(streamId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 0 }),
      signal: this.#context.deadline,
    });
    const body = (await response.json()) as { subscription?: string };
    if (response.status !== 201 || !body.subscription)
      throw new Error(`subscribe: ${response.status} ${JSON.stringify(body).slice(0, 120)}`);
    return body.subscription;
  }

  /** One link until it closes: how it ended. */
  #readOnce(
    streamId: string,
    subscription: string | undefined,
  ): Promise<{ kind: 'ended' | 'error' | 'dropped'; offlineMs: number; switchServer: boolean }> {
    const plan = this.#plan;
    const baseUrl = plan.readUrls[this.#server % plan.readUrls.length] as string;
    return new Promise((resolve) => {
      let protocolError = false;
      const sentAt = now();
      this.#report.subscribes.push({ at: sentAt, from: this.tracker.next });
      if (this.#pendingResume) {
        this.#pendingResume.startedAt = sentAt;
        this.#report.resumes.push(this.#pendingResume);
      }
      this.#acked = this.tracker.next;
      this.#processed = this.tracker.next;
      const handlers = {
        tokens: (from: number, to: number, text: string) => {
          this.#received(this.tracker.tokens(from, to, text, now()), true);
        },
        control: (type: string, fields: Record<string, unknown>) => {
          this.#received(this.tracker.control(type, fields, now()), false);
          if (this.tracker.ended) link.close();
        },
        protocolError: (code: string, message: string) => {
          protocolError = true;
          this.#error(`${code}: ${message.slice(0, 100)}`);
        },
        closed: (detail: string) => {
          this.#context.deadline.removeEventListener('abort', abortAtDeadline);
          this.#report.bytes += link.bytes();
          this.#drop = undefined;
          this.#link = undefined;
          if (this.tracker.ended)
            return resolve({ kind: 'ended', offlineMs: 0, switchServer: false });
          if (dropped) return resolve({ kind: 'dropped', ...dropped });
          if (!protocolError) this.#error(`link ${detail}`);
          resolve({ kind: 'error', offlineMs: 0, switchServer: true });
        },
      };
      let dropped: { offlineMs: number; switchServer: boolean } | undefined;
      const grpcTarget = plan.grpcTargets?.[this.#server % plan.readUrls.length];
      const link =
        plan.transport === 'grpc' && grpcTarget !== undefined
          ? openGrpcLink({
              target: grpcTarget,
              streamId,
              from: this.tracker.next,
              window: plan.window,
              handlers,
            })
          : plan.transport === 'ws'
            ? openWsLink({
                baseUrl,
                streamId,
                from: this.tracker.next,
                window: plan.window,
                handlers,
              })
            : openSseLink({
                system: plan.system,
                baseUrl,
                streamId,
                from: this.tracker.next,
                skipCharacters: this.#characters,
                subscription:
                  subscription === undefined
                    ? undefined
                    : { id: subscription, window: plan.window },
                handlers,
                onEventLength: (length) => {
                  this.#characters += length;
                },
              });
      this.#link = link;
      // A link the server keeps open without sending is still closed at the deadline.
      const abortAtDeadline = () => link.abort();
      if (this.#context.deadline.aborted) abortAtDeadline();
      else this.#context.deadline.addEventListener('abort', abortAtDeadline, { once: true });
      if (this.#paused) link.pause();
      this.#drop = () => {
        const behaviour = plan.behaviour;
        if (behaviour.kind !== 'churn') return;
        dropped = { offlineMs: behaviour.offlineMs, switchServer: behaviour.switchServer };
        link.abort();
      };
    });
  }

  #received(fresh: boolean, token: boolean): void {
    this.#report.messages++;
    const at = now();
    if (fresh && this.#pendingResume && this.#pendingResume.firstItemAt === undefined) {
      this.#pendingResume.firstItemAt = at;
      this.#pendingResume = undefined;
    }
    if (token && this.#firstTokenAt === undefined) {
      this.#firstTokenAt = at;
      this.#schedule();
    }
    const behaviour = this.#plan.behaviour;
    if (
      behaviour.kind === 'hold' &&
      !this.#released &&
      !this.#holding &&
      this.tracker.next >= behaviour.afterItems
    ) {
      this.#holding = true;
      this.#setPaused(true);
    }
    if (!this.#slow()) this.#processed = this.tracker.next;
    this.#maybeAck();
  }

  #maybeAck(): void {
    if (this.#paused) return;
    if (this.#processed - this.#acked >= this.#plan.window / 2) {
      this.#acked = this.#processed;
      this.#link?.ack(this.#acked);
    }
  }

  #slow(): boolean {
    return now() < this.#slowUntil;
  }

  /** Arms the behaviour's timers once the first token is in. */
  #schedule(): void {
    const behaviour = this.#plan.behaviour;
    const later = (ms: number, action: () => void) => {
      const timer = setTimeout(action, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    if (behaviour.kind === 'churn') {
      for (const at of behaviour.dropsAtMs) later(at, () => this.#drop?.());
    } else if (behaviour.kind === 'pause') {
      later(behaviour.atMs, () => this.#setPaused(true));
      later(behaviour.atMs + behaviour.forMs, () => this.#setPaused(false));
    } else if (behaviour.kind === 'slow') {
      this.#slowUntil = now() + behaviour.forMs;
      this.#startSlowReading(behaviour.factor);
    }
  }

  /**
   * A slow reader processes items at `1 / factor` of the stream's rate: over WebSocket it acks
   * only what it processed (the window closes); over SSE it leaves the socket unread 9 ticks in 10.
   */
  #startSlowReading(factor: number): void {
    const rate = Number(this.#plan.create?.params.tokens_per_second ?? 50) / factor;
    const tickMs = 100;
    let tick = 0;
    let budget = 0;
    const step = () => {
      if (this.done) return;
      tick++;
      if (!this.#slow()) {
        this.#setPaused(false);
        this.#processed = this.tracker.next;
        this.#maybeAck();
        return;
      }
      if (this.#plan.transport === 'sse') {
        this.#setPaused(tick % 10 !== 0);
      } else {
        budget += (rate * tickMs) / 1_000;
        const whole = Math.floor(budget);
        budget -= whole;
        this.#processed = Math.min(this.tracker.next, this.#processed + whole);
        this.#maybeAck();
      }
      const timer = setTimeout(step, tickMs);
      timer.unref();
      this.#timers.push(timer);
    };
    step();
  }

  #setPaused(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    if (paused) this.#link?.pause();
    else {
      this.#link?.resume();
      if (!this.#slow()) this.#processed = this.tracker.next;
      this.#maybeAck();
    }
  }

  #error(message: string): void {
    if (this.#report.errors.length < MAX_ERRORS_KEPT) this.#report.errors.push(message);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
