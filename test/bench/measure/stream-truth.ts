/**
 * What a stream really holds, as the judge of what readers received: its length, content
 * checksum, which offsets are tokens, and when each offset was appended (handed over).
 */
import type { Item } from '@spool/protocol';
import { hashItems } from '../shared/checksum.ts';

export interface StreamTruth {
  length: number;
  hash: string;
  isToken: Uint8Array;
  firstToken: number;
  /** UTF-8 bytes of its token texts. */
  textBytes: number;
  /** Whether it ended (`end` stored, or every item handed over) before the truth was taken. */
  complete: boolean;
  /** Append time of each offset, ms since the epoch (whole ms, as the token log keeps it). */
  appendedAt: Float64Array;
}

export function truthOfItems(items: readonly Item[], times: readonly number[]): StreamTruth {
  const isToken = new Uint8Array(items.length);
  let textBytes = 0;
  items.forEach((item, index) => {
    isToken[index] = item.type === 'token' ? 1 : 0;
    if (item.type === 'token') textBytes += Buffer.byteLength(item.text);
  });
  return {
    length: items.length,
    hash: hashItems(items),
    isToken,
    firstToken: items.findIndex((item) => item.type === 'token'),
    textBytes,
    complete: items.at(-1)?.type === 'end' && times.every((time) => Number.isFinite(time)),
    appendedAt: Float64Array.from(times),
  };
}
