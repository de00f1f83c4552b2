/**
 * What one reader saw of one stream: every chunk in order with the time it arrived, checked as it
 * comes for the SDK's promise (each offset exactly once, in order), and the pauses between chunks.
 */
import { availableParallelism, loadavg } from 'node:os';
import { type Chunk, chunkEnd, chunkStart, type Item } from '@spool/protocol';

/** A record as it crosses a process boundary (structured clone or JSON). */
export interface StreamRecordSnapshot {
  streamId: string;
  next: number;
  epoch: string;
  text: string;
  ended: boolean;
  violations: string[];
  arrivals: { at: number; from: number }[];
  controlTypes: string[];
  trace: { at: number; event: string }[];
}

export class StreamRecord {
  readonly streamId: string;
  /** The offset the next chunk must start at. */
  next = 0;
  /** The epoch of the items read so far (the last response's `X-Spool-Epoch`; '' before any). */
  epoch = '';
  text = '';
  ended = false;
  /** Chunks that did not start at `next` (a gap or a repeat): must stay empty. */
  readonly violations: string[] = [];
  /** `performance.now()` at each chunk's arrival, and the offset it started at. */
  readonly arrivals: { at: number; from: number }[] = [];
  readonly controlTypes: string[] = [];
  /** What the reader did (connections, their outcomes), for explaining a long pause. */
  readonly trace: { at: number; event: string }[] = [];

  constructor(streamId: string) {
    this.streamId = streamId;
  }

  /**
   * A record read in another process, its arrival times moved onto this process's clock:
   * `shiftMs` is the other process's `performance.timeOrigin` minus this one's.
   */
  static fromSnapshot(snapshot: StreamRecordSnapshot, shiftMs: number): StreamRecord {
    const record = new StreamRecord(snapshot.streamId);
    record.next = snapshot.next;
    record.epoch = snapshot.epoch;
    record.text = snapshot.text;
    record.ended = snapshot.ended;
    record.violations.push(...snapshot.violations);
    record.controlTypes.push(...snapshot.controlTypes);
    for (const { at, from } of snapshot.arrivals) record.arrivals.push({ at: at + shiftMs, from });
    for (const { at, event } of snapshot.trace) record.trace.push({ at: at + shiftMs, event });
    return record;
  }

  snapshot(): StreamRecordSnapshot {
    const { streamId, next, epoch, text, ended, violations, arrivals, controlTypes, trace } = this;
    return { streamId, next, epoch, text, ended, violations, arrivals, controlTypes, trace };
  }

  note(event: string, at = performance.now()): void {
    this.trace.push({ at, event });
  }

  add(chunk: Chunk, at = performance.now()): void {
    const from = chunkStart(chunk);
    if (from !== this.next || this.ended) {
      this.violations.push(
        `chunk at ${from}, expected ${this.ended ? 'nothing after end' : this.next}`,
      );
      return;
    }
    this.arrivals.push({ at, from });
    this.next = chunkEnd(chunk);
    if (chunk.kind === 'tokens') this.text += chunk.text;
    else {
      this.controlTypes.push(chunk.item.type);
      if (chunk.item.type === 'end') this.ended = true;
    }
  }

  /** The longest time between two chunks (the wait for the first one is not a pause). */
  longestPause(): number {
    let longest = 0;
    for (let index = 1; index < this.arrivals.length; index++) {
      const gap = (this.arrivals[index]?.at ?? 0) - (this.arrivals[index - 1]?.at ?? 0);
      longest = Math.max(longest, gap);
    }
    return longest;
  }

  /** The longest time between two chunks that both arrived within [`from`, `to`]. */
  longestPauseWithin(from: number, to: number): number {
    let longest = 0;
    for (let index = 1; index < this.arrivals.length; index++) {
      const before = this.arrivals[index - 1]?.at ?? 0;
      const after = this.arrivals[index]?.at ?? 0;
      if (before >= from && after <= to) longest = Math.max(longest, after - before);
    }
    return longest;
  }

  /**
   * The longest pause that spans `at` or begins within `withinMs` after it: from a chunk to the
   * next, where the next came after `at` (undefined when no chunk came after `at`). Chunks already
   * on their way at `at` may arrive after it; the pause a fault caused then begins a little later.
   */
  pauseAfter(at: number, withinMs: number): number | undefined {
    let longest: number | undefined;
    for (let index = 1; index < this.arrivals.length; index++) {
      const before = this.arrivals[index - 1]?.at ?? 0;
      const after = this.arrivals[index]?.at ?? 0;
      if (after > at && before < at + withinMs) longest = Math.max(longest ?? 0, after - before);
    }
    return longest;
  }

  /** When the chunk holding `offset` arrived (`performance.now()`), or undefined if none did. */
  arrivalOf(offset: number): number | undefined {
    let found: number | undefined;
    for (const arrival of this.arrivals) {
      if (arrival.from > offset) break;
      found = arrival.at;
    }
    return offset < this.next ? found : undefined;
  }

  /** Problems compared with the stream's items as the log holds them; empty when identical. */
  compareWith(items: Item[]): string[] {
    const problems = [...this.violations];
    if (!this.ended) problems.push(`no end (stopped at ${this.next})`);
    if (this.next !== items.length)
      problems.push(`read ${this.next} items, the log has ${items.length}`);
    const text = items.map((item) => (item.type === 'token' ? item.text : '')).join('');
    if (this.text !== text) problems.push('text differs from the log');
    const controls = items.filter((item) => item.type !== 'token').map((item) => item.type);
    if (this.controlTypes.join() !== controls.join()) problems.push('control items differ');
    return problems.map((problem) => `${this.streamId}: ${problem}`);
  }
}

/** p-th percentile (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * Why a bound on pauses cannot be held now, or undefined when it can. A pause is a time: it holds
 * on a machine that runs this test, not on one that also runs others' work at more than twice its
 * cores (every process, the readers included, then waits its turn). Correctness is asserted always.
 */
export function saturatedMachine(): string | undefined {
  const load = loadavg()[0] ?? 0;
  const cores = availableParallelism();
  return load > 2 * cores ? `load average ${load.toFixed(1)} on ${cores} cores` : undefined;
}
