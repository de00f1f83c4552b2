/**
 * How items are packed into the fields of one Redis stream entry. Pure: no I/O.
 *
 * An entry holds a batch of consecutive items: `f` (offset of its first item), `t` (append time,
 * ms since the epoch, for delivery-lag metrics) and `d`, a JSON array with one element per item:
 * - a token of the block of the token before it: its text, as a JSON string;
 * - any other token: `[block, text]`;
 * - a control item: the item as an object without its offset.
 * The first token of every entry is written with its block, so an entry decodes on its own.
 */
import type { Item, NewItem } from '@spool/protocol';

export interface DecodedEntry {
  /** Offset of the entry's first item. */
  from: number;
  /** Offset after its last item (the entry id's first part). */
  to: number;
  /** When it was appended, ms since the epoch (Redis clock). */
  appendedAt: number;
  items: Item[];
}

type EncodedItem = string | [number, string] | Record<string, unknown>;

export function encodeEntryItems(items: readonly NewItem[]): string {
  const encoded: EncodedItem[] = [];
  let block = -1;
  for (const item of items) {
    if (item.type === 'token') {
      encoded.push(item.block === block ? item.text : [item.block, item.text]);
      block = item.block;
    } else {
      if (item.type === 'block_start') block = item.block;
      encoded.push(item);
    }
  }
  return JSON.stringify(encoded);
}

export function decodeEntryItems(data: string, from: number): Item[] {
  const encoded = JSON.parse(data) as EncodedItem[];
  const items: Item[] = new Array(encoded.length);
  let block = -1;
  for (let index = 0; index < encoded.length; index++) {
    const element = encoded[index];
    const offset = from + index;
    if (typeof element === 'string') {
      items[index] = { type: 'token', offset, block, text: element };
    } else if (Array.isArray(element)) {
      block = element[0];
      items[index] = { type: 'token', offset, block, text: element[1] };
    } else {
      const item = { ...element, offset } as Item;
      if (item.type === 'block_start') block = item.block;
      items[index] = item;
    }
  }
  return items;
}

/** Decodes one XRANGE / XREADGROUP entry: `[id, [field, value, …]]`. */
export function decodeEntry(entry: [string, string[]]): DecodedEntry {
  const [id, fields] = entry;
  let from = -1;
  let appendedAt = 0;
  let data = '[]';
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const name = fields[index];
    const value = fields[index + 1] as string;
    if (name === 'f') from = Number(value);
    else if (name === 't') appendedAt = Number(value);
    else if (name === 'd') data = value;
  }
  const to = Number(id.slice(0, id.indexOf('-')));
  return { from, to, appendedAt, items: decodeEntryItems(data, from) };
}

/** Splits a batch into entries of at most `maxItems` items each. */
export function splitIntoEntries<T>(items: readonly T[], maxItems: number): T[][] {
  const entries: T[][] = [];
  for (let start = 0; start < items.length; start += maxItems) {
    entries.push(items.slice(start, start + maxItems));
  }
  return entries;
}
