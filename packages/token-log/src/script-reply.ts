/**
 * Checking the shape of a Lua script's reply: small decoders that either return a typed value
 * or throw `ReplyShapeError` saying what was expected where. Pure: no I/O.
 *
 * Redis turns a Lua number into an integer reply, a string into a bulk string and a table into
 * an array; ioredis hands them over as numbers, strings and arrays. A reply of any other shape
 * means the script and its caller disagree — a bug, never a condition to tolerate.
 */
import type { StreamStatus } from '@spool/protocol';

export class ReplyShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyShapeError';
  }
}

export type Decoder<T> = (value: unknown) => T;

/** A stream entry as XRANGE and XREADGROUP return it: `[id, [field, value, …]]`. */
export type RawEntry = [string, string[]];

export const integer: Decoder<number> = (value) => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw mismatch('an integer', value);
};

/** A script's 1 | 0 answer. */
export const flag: Decoder<boolean> = (value) => {
  if (value === 1 || value === 0) return value === 1;
  throw mismatch('1 or 0', value);
};

export const text: Decoder<string> = (value) => {
  if (typeof value === 'string') return value;
  throw mismatch('a string', value);
};

const STREAM_STATUSES: Record<StreamStatus, true> = {
  queued: true,
  running: true,
  done: true,
  cancelled: true,
  failed: true,
};

export const streamStatus: Decoder<StreamStatus> = (value) => {
  if (isStreamStatus(value)) return value;
  throw mismatch('a stream status', value);
};

export const entries: Decoder<RawEntry[]> = (value) => {
  if (!Array.isArray(value)) throw mismatch('an array of entries', value);
  if (value.every(isEntry)) return value;
  const index = value.findIndex((entry) => !isEntry(entry));
  throw mismatch(`entry ${index + 1} as [id, [field, value, …]]`, value[index]);
};

type Decoded<Decoders extends readonly Decoder<unknown>[]> = {
  [Index in keyof Decoders]: Decoders[Index] extends Decoder<infer T> ? T : never;
};

/** An array of exactly these elements, each decoded by its decoder. */
export function tuple<const Decoders extends readonly Decoder<unknown>[]>(
  ...decoders: Decoders
): Decoder<Decoded<Decoders>> {
  return (value) => {
    if (!Array.isArray(value) || value.length !== decoders.length) {
      throw mismatch(`an array of ${decoders.length} elements`, value);
    }
    return decoders.map((decode, index) => {
      try {
        return decode(value[index]);
      } catch (error) {
        if (error instanceof ReplyShapeError) {
          throw new ReplyShapeError(`element ${index + 1}: ${error.message}`);
        }
        throw error;
      }
    }) as Decoded<Decoders>;
  };
}

function isStreamStatus(value: unknown): value is StreamStatus {
  return typeof value === 'string' && Object.hasOwn(STREAM_STATUSES, value);
}

function isEntry(value: unknown): value is RawEntry {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    Array.isArray(value[1]) &&
    value[1].every((field: unknown) => typeof field === 'string')
  );
}

function mismatch(expected: string, value: unknown): ReplyShapeError {
  return new ReplyShapeError(`expected ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  const shown = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
}
