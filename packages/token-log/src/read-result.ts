/**
 * Turning script replies into results. Pure: no I/O.
 */
import {
  type EpochStart,
  FINAL_STATUSES,
  type FinishReason,
  type Item,
  SpoolError,
  type StreamStatus,
} from '@spool/protocol';
import { decodeEntry } from './entry-codec.ts';
import type { ItemIndex, ReadResult, StreamMeta } from './token-log.ts';

export interface EntriesToReadInput {
  entries: [string, string[]][];
  from: number;
  limit: number;
  status: StreamStatus;
  length: number;
  epoch: string;
}

/**
 * Keeps the items at `from` and after, at most `limit`. A gap between `from` and the first item
 * found means Redis lost entries that its metadata counts (for example an AOF that lost its last
 * second): that is `data_loss`, never a silent skip.
 */
export function entriesToRead(input: EntriesToReadInput): ReadResult {
  const { entries, from, limit, status, length, epoch } = input;
  const items: Item[] = [];
  const appendedAt: number[] = [];
  let expected = from;
  for (const entry of entries) {
    if (items.length >= limit) break;
    const decoded = decodeEntry(entry);
    for (const item of decoded.items) {
      if (item.offset < expected) continue;
      if (item.offset > expected) throw dataLoss(expected);
      if (items.length >= limit) break;
      items.push(item);
      appendedAt.push(decoded.appendedAt);
      expected++;
    }
  }
  if (items.length === 0 && from < length && entries.length === 0) throw dataLoss(from);
  const done = FINAL_STATUSES.has(status) && expected >= length;
  return { items, next: expected, length, status, done, appendedAt, epoch };
}

function dataLoss(offset: number): SpoolError {
  return new SpoolError('data_loss', `Items from offset ${offset} are missing from the log.`, {
    details: { value: offset },
  });
}

/** Meta hash fields `block:<n>`: where block n starts (append-items.lua's block index). */
export const BLOCK_FIELD = 'block:';

/**
 * The item index of a stream from its meta hash (see TokenLog.itemIndex); the errors of
 * `readMeta` for a stream that is not there.
 */
export function readItemIndex(streamId: string, hash: Record<string, string>): ItemIndex {
  const meta = readMeta(streamId, hash);
  const blocks = new Map<number, number>();
  for (const [name, value] of Object.entries(hash)) {
    if (name.startsWith(BLOCK_FIELD))
      blocks.set(Number(name.slice(BLOCK_FIELD.length)), Number(value));
  }
  return {
    blocks,
    firstToken: optionalNumber(hash.first_token),
    usage: optionalNumber(hash.usage_at),
    indexedFrom: optionalNumber(hash.indexed_from),
    length: meta.length,
    status: meta.status,
  };
}

export function readMeta(streamId: string, hash: Record<string, string>): StreamMeta {
  if (!hash.status) throw new SpoolError('stream_not_found');
  const expiresAt = optionalNumber(hash.expires_at);
  if (expiresAt !== undefined && Date.now() >= expiresAt) throw new SpoolError('stream_expired');
  const known = new Set([
    'id',
    'status',
    'length',
    'attempt',
    'created_at',
    'started_at',
    'finished_at',
    'finish_reason',
    'expires_at',
    'trimmed',
    'cancel',
    'request_hash',
    'last_append_at',
    'epoch',
    'epochs',
    'indexed_from',
    'first_token',
    'usage_at',
  ]);
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(hash)) {
    if (!known.has(name) && !name.startsWith(BLOCK_FIELD)) fields[name] = value;
  }
  return {
    id: streamId,
    status: hash.status as StreamStatus,
    length: Number(hash.length ?? 0),
    attempt: Number(hash.attempt ?? 0),
    createdAt: Number(hash.created_at ?? 0),
    startedAt: optionalNumber(hash.started_at),
    finishedAt: optionalNumber(hash.finished_at),
    finishReason: hash.finish_reason as FinishReason | undefined,
    expiresAt,
    trimmed: Number(hash.trimmed ?? 0),
    cancelRequested: hash.cancel === '1',
    epoch: hash.epoch ?? '',
    epochs: parseEpochHistory(hash.epochs, hash.epoch ?? ''),
    fields,
  };
}

/** `"<epoch>:<start> …"` (see lua/include/epoch.lua); a stream made before epochs has one of "". */
function parseEpochHistory(history: string | undefined, epoch: string): EpochStart[] {
  if (history === undefined || history === '') return [{ epoch, from: 0 }];
  return history.split(' ').map((part) => {
    const colon = part.lastIndexOf(':');
    return { epoch: part.slice(0, colon), from: Number(part.slice(colon + 1)) };
  });
}

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
