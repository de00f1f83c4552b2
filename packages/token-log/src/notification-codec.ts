/**
 * The message an append publishes on its stream's events channel. Pure: no I/O.
 *
 * Format (version 2), one line of header, then the batch's entries one per line:
 *
 *     v2 <from> <to> <t> <status> <epoch>\n<d of entry 1>\n<d of entry 2>…
 *
 * - `from`, `to`: the batch holds offsets `[from, to)`; `to` is the stream's length after it.
 * - `t`: the append time, ms since the epoch (Redis TIME, the same `t` the entries are stored with).
 * - `status`: the stream's status after the append (`running`, or the final status when the
 *   batch ends the stream), so a reader knows the stream ended without decoding the items.
 * - `epoch`: the stream's epoch after the append (lua/include/epoch.lua): the version of the log
 *   these items belong to.
 * - each `d` is the entry's `d` field exactly as stored (entry-codec.ts): a JSON array, which never
 *   holds a raw newline. The first entry's items start at `from`, each next one where the previous
 *   ended; together they hold `to - from` items.
 *
 * A batch whose entries would take more than NOTIFICATION_ITEMS_MAX_BYTES is published as the
 * header line alone ("header-only"): its readers read the log instead. append-items.lua and
 * cancel-stream.lua build this format; a message in any other format (a newer version) is treated
 * like a header-only message with unknown offsets: the reader reads the log.
 */
import { FINAL_STATUSES, type Item, STREAM_STATUSES, type StreamStatus } from '@spool/protocol';
import { decodeEntryItems } from './entry-codec.ts';

/**
 * The most bytes of encoded entries a message carries. A live batch (a few tokens from the
 * worker's micro-batcher) is well under 1 KiB; bigger batches are bulk writes (a continued
 * generation's prefix, a long tool call) whose readers are rarely all at the end. Each message is
 * copied into the output buffer of every gateway subscribed to the stream's shard, whose pub/sub
 * limit is 8 MiB by default (client-output-buffer-limit pubsub 32mb 8mb 60): at 8 KiB a gateway
 * can fall a thousand messages behind before Redis drops its subscriber.
 */
export const NOTIFICATION_ITEMS_MAX_BYTES = 8 * 1024;

const VERSION = 'v2';

export interface Notification {
  /** Offset of the batch's first item. */
  from: number;
  /** Offset after its last item: the stream's length after the append. */
  to: number;
  /** When it was appended, ms since the epoch (Redis clock). */
  appendedAt: number;
  /** The stream's status after the append. */
  status: StreamStatus;
  /** The stream's epoch after the append. */
  epoch: string;
  /** Where the entries begin in the message, or -1 when it is header-only. */
  itemsAt: number;
}

/**
 * The header of a message, in O(header): the items are not looked at. Undefined for a message in
 * another format or with impossible offsets.
 */
export function parseNotification(message: string): Notification | undefined {
  const newline = message.indexOf('\n');
  const header = (newline === -1 ? message : message.slice(0, newline)).split(' ');
  if (header.length !== 6 || header[0] !== VERSION) return undefined;
  const from = Number(header[1]);
  const to = Number(header[2]);
  const appendedAt = Number(header[3]);
  const status = header[4] as StreamStatus;
  const epoch = header[5] ?? '';
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to <= from) {
    return undefined;
  }
  if (!Number.isFinite(appendedAt) || !STREAM_STATUSES.includes(status)) return undefined;
  return { from, to, appendedAt, status, epoch, itemsAt: newline === -1 ? -1 : newline + 1 };
}

/**
 * The items of a message with items, decoded once for every reader; throws when they do not
 * hold exactly `[from, to)` (the message is then worth no more than its header).
 */
export function decodeNotificationItems(message: string, notification: Notification): Item[] {
  const { from, to, itemsAt } = notification;
  if (itemsAt < 0) throw new TypeError('The message holds no items.');
  const items: Item[] = [];
  for (let start = itemsAt; start <= message.length; ) {
    const end = message.indexOf('\n', start);
    const line = message.slice(start, end === -1 ? message.length : end);
    for (const item of decodeEntryItems(line, from + items.length)) items.push(item);
    if (end === -1) break;
    start = end + 1;
  }
  if (items.length !== to - from) {
    throw new TypeError(`The message holds ${items.length} items for offsets ${from}–${to}.`);
  }
  return items;
}

export function isFinal(notification: Notification): boolean {
  return FINAL_STATUSES.has(notification.status);
}

/**
 * The message for a batch, as the scripts build it (what fakes and tests publish). `entries` are
 * the stored `d` fields; without them, or beyond `maxBytes`, the message is header-only.
 */
export function encodeNotification(input: {
  from: number;
  to: number;
  appendedAt: number;
  status: StreamStatus;
  epoch: string;
  entries?: readonly string[];
  maxBytes?: number;
}): string {
  const header = `${VERSION} ${input.from} ${input.to} ${input.appendedAt} ${input.status} ${input.epoch}`;
  const entries = input.entries ?? [];
  const maxBytes = input.maxBytes ?? NOTIFICATION_ITEMS_MAX_BYTES;
  let bytes = entries.length - 1;
  for (const entry of entries) bytes += Buffer.byteLength(entry);
  if (entries.length === 0 || bytes > maxBytes) return header;
  return `${header}\n${entries.join('\n')}`;
}

/** A message's items, or null when they do not decode to its offsets: it is then header-only. */
export function notificationItemsOrNull(
  message: string,
  notification: Notification,
): Item[] | null {
  try {
    return decodeNotificationItems(message, notification);
  } catch {
    return null;
  }
}
