/**
 * The appender's batching policy, on a virtual clock: a fake `TokenLog.append` (the appender's
 * one dependency) that behaves like append-items.lua — offsets, idempotent repeats — and takes
 * a chosen round trip. Redis itself is exercised by test/generate.test.ts.
 */
import { type NewItem, SpoolError } from '@spool/protocol';
import type { AppendInput, AppendResult } from '@spool/token-log';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Appender } from './appender.ts';

/** Orders what happens within one virtual millisecond. */
let events = 0;

interface Call {
  /** Its place among every push and send. */
  event: number;
  streamId: string;
  at: number;
  items: string[];
  sentAt: number;
  repliedAt?: number;
  /** Its reply was lost (`redis_unavailable`). */
  lost?: boolean;
}

type Fault = 'lost_before' | 'lost_after' | undefined;

/** append-items.lua's offset rules, in memory, with a round trip and injected faults. */
class FakeLog {
  readonly stored = new Map<string, string[]>();
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;

  readonly #rttMs: (call: Call) => number;
  readonly #fault: (call: Call) => Fault;

  constructor(rttMs: (call: Call) => number, fault: (call: Call) => Fault = () => undefined) {
    this.#rttMs = rttMs;
    this.#fault = fault;
  }

  async append(input: AppendInput): Promise<AppendResult> {
    const items = input.items.map(text);
    const call: Call = {
      event: ++events,
      streamId: input.streamId,
      at: input.at,
      items,
      sentAt: Date.now(),
    };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.#rttMs(call)));
      call.repliedAt = Date.now();
      const fault = this.#fault(call);
      if (fault === 'lost_before') {
        call.lost = true;
        throw new SpoolError('redis_unavailable');
      }
      const stored = this.stored.get(input.streamId) ?? [];
      this.stored.set(input.streamId, stored);
      if (input.at + items.length <= stored.length) {
        const same = items.every((item, index) => stored[input.at + index] === item);
        if (!same) throw new SpoolError('offset_conflict');
        return { length: stored.length, appended: false };
      }
      if (input.at !== stored.length) throw new SpoolError('offset_conflict');
      stored.push(...items);
      if (fault === 'lost_after') {
        call.lost = true;
        throw new SpoolError('redis_unavailable');
      }
      return { length: stored.length, appended: true };
    } finally {
      this.inFlight--;
    }
  }
}

const token = (index: number): NewItem => ({ type: 'token', block: 0, text: `t${index}` });
const text = (item: NewItem) => (item.type === 'token' ? item.text : item.type);
const names = (count: number) => Array.from({ length: count }, (_, index) => `t${index}`);

interface Run {
  pushedAt: number[];
  /** Each push's place among every push and send. */
  pushEvents: number[];
  /** Items buffered and unsent after each push returned. */
  pendingAfterPush: number[];
  outcome: unknown;
}

/** A model yielding `gaps.length` tokens, `gaps[i]` ms before token i, into an appender. */
async function produce(appender: Appender, gaps: number[]): Promise<Run> {
  const run: Run = { pushedAt: [], pushEvents: [], pendingAfterPush: [], outcome: 'completed' };
  const model = (async () => {
    for (const [index, gap] of gaps.entries()) {
      if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      run.pushedAt.push(Date.now());
      run.pushEvents.push(++events);
      await appender.push(token(index));
      run.pendingAfterPush.push(appender.pending);
    }
    await appender.close();
  })().catch((error: unknown) => {
    run.outcome = error;
  });
  await vi.runAllTimersAsync();
  await model;
  return run;
}

function appender(log: FakeLog, options: { maxItems?: number; streamId?: string } = {}) {
  return new Appender({
    log,
    streamId: options.streamId ?? 'st_a',
    attempt: 1,
    at: 0,
    maxItems: options.maxItems ?? 8,
    retryForMs: 60_000,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Appender', () => {
  it('sends every item of a slow model alone, the moment it is pushed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }),
        async (rtt, extra) => {
          // Each gap outlasts the round trip: the previous append has returned.
          const gaps = extra.map((gap, index) => (index === 0 ? 0 : rtt + 1 + gap));
          const log = new FakeLog(() => rtt);
          const run = await produce(appender(log), gaps);
          expect(run.outcome).toBe('completed');
          expect(log.calls.map((call) => call.items.length)).toEqual(gaps.map(() => 1));
          expect(log.calls.map((call) => call.sentAt)).toEqual(run.pushedAt);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sends the first item at once and, for a fast model, what came meanwhile as one batch', async () => {
    const log = new FakeLog(() => 10);
    // One token per ms against a 10 ms round trip.
    const run = await produce(appender(log, { maxItems: 64 }), [0, ...Array(99).fill(1)]);
    expect(run.outcome).toBe('completed');
    const sizes = log.calls.map((call) => call.items.length);
    expect(sizes[0]).toBe(1);
    // A batch holds what the model yielded during one round trip: 10 tokens, ±1 at the edges.
    expect(sizes.slice(1, -1).every((size) => size >= 9 && size <= 11)).toBe(true);
    expect(log.calls.length).toBeLessThanOrEqual(12);
  });

  it('never sends more than maxItems at once, and holds the model back past 4 × maxItems', async () => {
    const log = new FakeLog(() => 50);
    const run = await produce(appender(log, { maxItems: 4 }), Array(200).fill(0));
    expect(run.outcome).toBe('completed');
    expect(Math.max(...log.calls.map((call) => call.items.length))).toBe(4);
    expect(Math.max(...run.pendingAfterPush)).toBeLessThanOrEqual(16);
    expect(log.stored.get('st_a')).toEqual(names(200));
  });

  it('keeps order and dense offsets, one append in flight, at any rate and any round trip', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 20 }),
        async (maxItems, gaps, rtts) => {
          let calls = 0;
          const log = new FakeLog(() => rtts[calls++ % rtts.length] ?? 1);
          const run = await produce(appender(log, { maxItems }), gaps);
          expect(run.outcome).toBe('completed');
          expect(log.stored.get('st_a')).toEqual(names(gaps.length));
          expect(log.maxInFlight).toBe(1);
          let offset = 0;
          for (const [index, call] of log.calls.entries()) {
            expect(call.at).toBe(offset);
            expect(call.items.length).toBeLessThanOrEqual(maxItems);
            // Sent when its first item came, or when the previous append returned.
            const firstPushed = run.pushedAt[offset] ?? Number.NaN;
            const previous = log.calls[index - 1]?.repliedAt ?? 0;
            expect(call.sentAt).toBe(Math.max(firstPushed, previous));
            // …with everything that had come by then, up to maxItems.
            const arrived = run.pushEvents.filter((event) => event < call.event).length - offset;
            expect(call.items.length).toBe(Math.min(maxItems, arrived));
            offset += call.items.length;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('retries lost appends with the same offset and items: nothing lost, nothing twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 100 }),
        fc.array(fc.constantFrom<Fault>(undefined, undefined, 'lost_before', 'lost_after'), {
          minLength: 1,
          maxLength: 30,
        }),
        async (gaps, faults) => {
          // Each call draws the next fault; past the list, Redis is back.
          let calls = 0;
          const log = new FakeLog(
            () => 3,
            () => faults[calls++],
          );
          const run = await produce(appender(log, { maxItems: 8 }), gaps);
          expect(run.outcome).toBe('completed');
          expect(log.stored.get('st_a')).toEqual(names(gaps.length));
          for (const [index, call] of log.calls.entries()) {
            const next = log.calls[index + 1];
            if (call.lost) expect([next?.at, next?.items]).toEqual([call.at, call.items]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stops at a final failure: it surfaces from push and close, nothing more is sent', async () => {
    const log = new FakeLog(() => 2);
    let fenced = false;
    const fencing = {
      append: async (input: AppendInput) => {
        if (fenced) throw new SpoolError('stale_attempt');
        return log.append(input);
      },
    };
    const subject = new Appender({
      log: fencing,
      streamId: 'st_a',
      attempt: 1,
      at: 0,
      maxItems: 8,
    });
    const model = (async () => {
      for (let index = 0; index < 50; index++) {
        if (index === 20) fenced = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        await subject.push(token(index));
      }
    })();
    const outcome = model.catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    expect(await outcome).toMatchObject({ code: 'stale_attempt' });
    await expect(subject.close()).rejects.toMatchObject({ code: 'stale_attempt' });
    expect(subject.pending).toBe(0);
    expect(log.stored.get('st_a')?.length).toBeLessThanOrEqual(20);
  });

  it("never makes one stream wait for another's retries", async () => {
    // Stream st_down cannot reach Redis; st_up shares the log and must not notice.
    const log = new FakeLog(
      () => 1,
      (call) => (call.streamId === 'st_down' ? 'lost_before' : undefined),
    );
    const down = new Appender({
      log,
      streamId: 'st_down',
      attempt: 1,
      at: 0,
      maxItems: 8,
      retryForMs: 5_000,
    });
    const downOutcome = (async () => {
      for (let index = 0; index < 10; index++) await down.push(token(index));
      await down.close();
    })().catch((error: unknown) => error);
    const run = await produce(appender(log, { streamId: 'st_up' }), [0, ...Array(30).fill(20)]);
    expect(run.outcome).toBe('completed');
    const up = log.calls.filter((call) => call.streamId === 'st_up');
    expect(up.map((call) => call.sentAt)).toEqual(run.pushedAt);
    expect(await downOutcome).toMatchObject({ code: 'redis_unavailable' });
    expect(log.stored.get('st_up')).toEqual(names(31));
  });
});
