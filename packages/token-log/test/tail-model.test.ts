/**
 * A model of the shared tail (stream-tail.ts) under generated interleavings: appends of any size
 * (some published header-only), messages delivered late, twice, out of order or never, reads that
 * answer late (with what they saw when sent, or what the log holds by then, sometimes short, or
 * failing), subscriptions that take effect late, a subscriber connection that drops and comes
 * back, readers that join at any offset (behind, at the end, while a read is in flight), pause,
 * leave, and a poll clock that jumps.
 *
 * Safety, checked on every answer: a reader gets exactly the log's items from its cursor on, in
 * order, no gap, no repeat, `next`/`length`/`done` as a read would say. Liveness, checked at the
 * end: once the stream ends (its last message possibly lost) and messages, reads and polls have
 * run, every reader still there has received everything from where it joined, once.
 */
import { FINAL_STATUSES, isSpoolError } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamTail } from '../src/stream-tail.ts';
import type { ReadResult } from '../src/token-log.ts';
import { ModelClock, ModelLog, ModelNotifier, ModelReads } from './tail-model.ts';

const POLL_MS = 1_000;
/** Generated interleavings of the first property (the second runs half as many). */
const RUNS = Number(process.env.MODEL_RUNS ?? 10_000);
const CHANNEL = 'events';

type Step =
  | { kind: 'append'; count: number; headerOnly: boolean; final: boolean }
  | { kind: 'deliver'; index: number; repeat: boolean }
  | { kind: 'drop'; index: number }
  | { kind: 'answer'; index: number; fresh: boolean; most: number; fail: boolean }
  | { kind: 'subscribe'; index: number }
  | { kind: 'join'; back: number; limit: number; eager: boolean }
  | { kind: 'resume'; index: number }
  | { kind: 'leave'; index: number }
  | { kind: 'poll'; ms: number }
  | { kind: 'disconnect' }
  | { kind: 'reconnect' };

const index = fc.nat({ max: 7 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append'),
      count: fc.integer({ min: 1, max: 6 }),
      headerOnly: fc.nat({ max: 4 }).map((n) => n === 0),
      final: fc.nat({ max: 15 }).map((n) => n === 0),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('deliver'), index, repeat: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop'), index }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('answer'),
      index,
      fresh: fc.boolean(),
      most: fc.integer({ min: 1, max: 8 }),
      fail: fc.nat({ max: 15 }).map((n) => n === 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('subscribe'), index }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('join'),
      back: fc.oneof(fc.constant(0), fc.nat({ max: 12 })),
      limit: fc.integer({ min: 1, max: 5 }),
      eager: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume'), index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave'), index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('poll'), ms: fc.nat({ max: 2_500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect') }) },
) as fc.Arbitrary<Step>;

interface Reader {
  start: number;
  cursor: number;
  limit: number;
  /** Follows again at once after each answer; otherwise waits for a `resume` step. */
  eager: boolean;
  parked: boolean;
  controller: AbortController;
  state: 'following' | 'finished' | 'left';
}

class System {
  readonly log = new ModelLog();
  readonly reads = new ModelReads(this.log);
  readonly notifier = new ModelNotifier();
  readonly clock = new ModelClock();
  readonly tail = new StreamTail({
    read: this.reads.read,
    notifier: this.notifier,
    channelOf: () => CHANNEL,
    pollIntervalMs: POLL_MS,
    lingerMs: 2 * POLL_MS,
    defaultLimit: 100,
    clock: this.clock,
  });
  readonly readers: Reader[] = [];
  readonly violations: string[] = [];

  apply(step: Step): void {
    const { notifier } = this;
    const actions: { [Kind in Step['kind']]: (step: Extract<Step, { kind: Kind }>) => void } = {
      append: (append) => this.append(append),
      deliver: ({ index, repeat }) => notifier.deliver(index, repeat),
      drop: ({ index }) => notifier.drop(index),
      answer: (answer) => this.reads.pending.length > 0 && this.reads.answer(answer.index, answer),
      subscribe: ({ index }) => notifier.completeSubscribe(index),
      join: ({ back, limit, eager }) =>
        this.join(Math.max(0, this.log.length - back), limit, eager),
      resume: ({ index }) => this.resume(this.pick(index, (reader) => reader.parked)),
      leave: ({ index }) =>
        this.pick(index, (reader) => reader.state === 'following')?.controller.abort(),
      poll: ({ ms }) => this.clock.advance(ms),
      disconnect: () => notifier.disconnect(),
      reconnect: () => notifier.reconnect(),
    };
    (actions[step.kind] as (step: Step) => void)(step);
  }

  append(input: { count: number; headerOnly: boolean; final: boolean }): void {
    if (this.log.ended) return;
    this.clock.time += 1;
    this.notifier.publish(CHANNEL, this.log.append({ ...input, time: this.clock.time }));
  }

  join(start: number, limit: number, eager: boolean): void {
    const reader: Reader = {
      start,
      cursor: start,
      limit,
      eager,
      parked: false,
      controller: new AbortController(),
      state: 'following',
    };
    reader.controller.signal.addEventListener('abort', () => {
      reader.state = 'left';
    });
    this.readers.push(reader);
    void this.follow(reader);
  }

  resume(reader: Reader | undefined): void {
    if (!reader?.parked) return;
    reader.parked = false;
    void this.follow(reader);
  }

  /** One follow, as the gateway calls it: from the reader's cursor, with its limit. */
  async follow(reader: Reader): Promise<void> {
    const { signal } = reader.controller;
    for (;;) {
      let result: ReadResult;
      try {
        result = await this.tail.follow('st_model', reader.cursor, { limit: reader.limit, signal });
      } catch (error) {
        if (signal.aborted) return;
        // A failed read: the client resumes from its cursor, as it would on another gateway.
        if (isSpoolError(error, 'redis_unavailable')) continue;
        this.violations.push(`reader from ${reader.start} at ${reader.cursor}: ${error}`);
        return;
      }
      const wrong = this.check(reader, result);
      if (wrong) {
        this.violations.push(`reader from ${reader.start} at ${reader.cursor}: ${wrong}`);
        return;
      }
      reader.cursor = result.next;
      if (result.done) {
        reader.state = 'finished';
        return;
      }
      if (!reader.eager) {
        reader.parked = true;
        return;
      }
    }
  }

  check(reader: Reader, result: ReadResult): string | undefined {
    const { items, next, length } = result;
    if (items.length > reader.limit) return `${items.length} items for a limit of ${reader.limit}`;
    for (let at = 0; at < items.length; at++) {
      const offset = reader.cursor + at;
      if (items[at]?.offset !== offset)
        return `offset ${items[at]?.offset} where ${offset} was due`;
      if (JSON.stringify(items[at]) !== this.log.encoded[offset]) return `wrong item at ${offset}`;
      if (result.appendedAt[at] !== this.log.appendedAt[offset]) return `wrong time at ${offset}`;
    }
    if (next !== reader.cursor + items.length) return `next ${next} after ${items.length} items`;
    if (length < next || length > this.log.length) return `length ${length}, next ${next}`;
    if (items.length === 0 && !result.done) return 'an empty answer to a stream not done';
    if (result.done !== (FINAL_STATUSES.has(result.status) && next === length)) {
      return `done ${result.done} with status ${result.status} at ${next} of ${length}`;
    }
    if (result.done && !(this.log.ended && next === this.log.length)) return 'done too early';
    return undefined;
  }

  /**
   * Ends the stream (its last message lost when `dropLast`), then lets everything run: the
   * connection back, subscriptions, messages in order, reads, and polls unless `polls` is false;
   * and checks that every reader still there got all of it. Without polls it first checks, before
   * the stream ends, that messages and the reads they cause alone brought every reader to the end.
   */
  async finish(dropLast: boolean, polls = true): Promise<void> {
    this.notifier.reconnect();
    for (const reader of this.readers) {
      reader.eager = true;
      this.resume(reader);
    }
    if (!polls) {
      await this.drain(false);
      this.expectAll((reader) => reader.state !== 'following' || reader.cursor === this.log.length);
    }
    if (!this.log.ended) {
      this.append({ count: 1, headerOnly: false, final: true });
      if (dropLast) this.notifier.inFlight.length = 0;
    }
    for (let round = 0; round < 10 && !this.settled(); round++) await this.drain(polls);
    this.expectAll((reader) => reader.state === 'finished' && reader.cursor === this.log.length);
  }

  /** Subscriptions, messages in order, fresh answers to reads until none is left; then a poll. */
  async drain(poll: boolean): Promise<void> {
    await flush();
    for (let turn = 0; turn < 1_000 && this.busy(); turn++) {
      this.notifier.completeSubscribe(0);
      this.notifier.deliver(0, false);
      if (this.reads.pending.length > 0) {
        this.reads.answer(0, { fresh: true, most: Number.POSITIVE_INFINITY, fail: false });
      }
      await flush();
    }
    if (poll) this.clock.advance(POLL_MS);
  }

  expectAll(where: (reader: Reader) => boolean): void {
    for (const reader of this.readers) {
      if (reader.state === 'left' || where(reader)) continue;
      this.violations.push(
        `reader from ${reader.start} stuck at ${reader.cursor} of ${this.log.length} (${reader.state})`,
      );
    }
  }

  settled(): boolean {
    return (
      this.readers.every((reader) => reader.state !== 'following') || this.violations.length > 0
    );
  }

  busy(): boolean {
    const { notifier, reads } = this;
    return notifier.pendingSubscribes.length + notifier.inFlight.length + reads.pending.length > 0;
  }

  pick(at: number, where: (reader: Reader) => boolean): Reader | undefined {
    const candidates = this.readers.filter(where);
    return candidates[at % Math.max(1, candidates.length)];
  }
}

/** Runs every promise continuation that is ready: nothing in the fakes waits on a timer. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * What runs between two steps: everything that is ready, one turn of promise continuations, or
 * nothing (so a message or an answer can land between a `follow` call and its continuation).
 */
type Pause = 'all' | 'tick' | 'none';
const pause: fc.Arbitrary<Pause> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('all' as const) },
  { weight: 1, arbitrary: fc.constant('tick' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
);

async function wait(pause: Pause): Promise<void> {
  if (pause === 'all') await flush();
  else if (pause === 'tick') await Promise.resolve();
}

interface RunOptions {
  dropLast: boolean;
  firstLimit: number;
  promptSubscribe: boolean;
  /** Let the poll run at the end: without it, only messages and the reads they cause may serve. */
  polls?: boolean;
}

async function run(steps: [Step, Pause][], options: RunOptions): Promise<string[]> {
  const { dropLast, firstLimit, promptSubscribe, polls } = options;
  const system = new System();
  system.notifier.prompt = promptSubscribe;
  system.join(0, firstLimit, true);
  await flush();
  for (const [each, then] of steps) {
    system.apply(each);
    await wait(then);
    if (system.violations.length > 0) break;
  }
  if (system.violations.length === 0) await system.finish(dropLast, polls);
  system.notifier.reconnect();
  while (system.notifier.pendingSubscribes.length > 0) system.notifier.completeSubscribe(0);
  await system.tail.close();
  return system.violations;
}

describe('the shared tail as a model', () => {
  it('hands every reader exactly its suffix of the log, and all of it in the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(step, pause), { maxLength: 50 }),
        fc.record({
          dropLast: fc.boolean(),
          firstLimit: fc.integer({ min: 1, max: 5 }),
          promptSubscribe: fc.boolean(),
        }),
        async (steps, options) => {
          expect(await run(steps, options)).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('needs no poll when every message arrives, late, repeated or out of order', async () => {
    const lossy = new Set<Step['kind']>(['drop', 'disconnect', 'reconnect', 'poll']);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(step, pause), { maxLength: 50 }),
        fc.record({ firstLimit: fc.integer({ min: 1, max: 5 }), promptSubscribe: fc.boolean() }),
        async (steps, options) => {
          const lossless = steps
            .filter(([each]) => !lossy.has(each.kind))
            .map(([each, then]): [Step, Pause] => [
              each.kind === 'answer' ? { ...each, fail: false } : each,
              then,
            ]);
          const violations = await run(lossless, { ...options, dropLast: false, polls: false });
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: RUNS / 2 },
    );
  }, 120_000);
});
