/**
 * What the shared tail hands a waiter: its part of a read or of a published batch, shaped as
 * `read()` would have answered it at that moment. Pure: no I/O.
 */
import type { Item } from '@spool/protocol';
import { isFinal, type Notification } from './notification-codec.ts';
import type { ReadResult } from './token-log.ts';

/** The items of a read from index `start` on, at most `limit` of them. */
export function sliceResult(result: ReadResult, start: number, limit: number): ReadResult {
  const end = Math.min(result.items.length, start + limit);
  const items = result.items.slice(start, end);
  const next = items.length > 0 ? (items[items.length - 1]?.offset ?? 0) + 1 : result.next;
  return {
    ...result,
    items,
    appendedAt: result.appendedAt.slice(start, end),
    next,
    done: result.done && next === result.length,
  };
}

/** Nothing at `from`, the end of a stream that has ended. */
export function doneAt(result: ReadResult, from: number): ReadResult {
  return { ...result, items: [], appendedAt: [], next: from };
}

/**
 * The items of a published batch (`items`, decoded from it, hold `[notification.from,
 * notification.to)`) from offset `from` on, at most `limit`: what a read at the moment of that
 * append would have returned.
 */
export function batchResult(input: {
  notification: Notification;
  items: readonly Item[];
  from: number;
  limit: number;
}): ReadResult {
  const { notification, from, limit } = input;
  const start = from - notification.from;
  const items = input.items.slice(start, start + limit);
  const next = from + items.length;
  return {
    items,
    next,
    length: notification.to,
    status: notification.status,
    done: isFinal(notification) && next === notification.to,
    appendedAt: new Array<number>(items.length).fill(notification.appendedAt),
    epoch: notification.epoch,
  };
}

/**
 * The parts of one read or message handed out, by offset and limit: waiters in step with each
 * other get the same result (and items array), so what their deliveries derive from it (chunks,
 * encodings) is made once, not once per reader. A lone waiter costs no map.
 */
export class SharedParts {
  #byFrom: Map<number, { limit: number; part: ReadResult }> | undefined;

  part(from: number, limit: number, make: () => ReadResult): ReadResult {
    const known = this.#byFrom?.get(from);
    if (known?.limit === limit) return known.part;
    const part = make();
    this.#byFrom ??= new Map();
    this.#byFrom.set(from, { limit, part });
    return part;
  }
}
