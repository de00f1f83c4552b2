/**
 * Baseline 1, the limit: the same token streams XADDed straight to Redis and read back with a
 * bare XREAD loop, no gateway. Entries use the token log's encoding (`f` first offset, `d`
 * items) under auto ids, so an entry's id carries Redis's append time in ms, as `t` does in the
 * token log.
 */
export interface RawStreamPlan {
  index: number;
  key: string;
  startAtMs: number;
  prompt: string;
  params: Record<string, number | string | boolean>;
}

export interface RawAssignment {
  streams: RawStreamPlan[];
  deadlineMs: number;
  /** Reader side: blocking connections per process. */
  connections?: number;
}

export function rawKey(index: number): string {
  return `bench-raw:{s${index}}`;
}

/** The ms part of a Redis stream id. */
export function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
