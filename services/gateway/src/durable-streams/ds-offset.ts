/**
 * Durable Streams offsets (docs/protocol.md section 14): `<epoch>_<position>`, both 16 digits,
 * zero-padded, so they sort as strings. `position` counts messages (a JSON stream's appends; a
 * token stream's items); `epoch` is 0 for a Durable Stream and, for a token stream, the index of
 * its epoch (lua/include/epoch.lua) when the offset was handed out. Derived from the log alone,
 * so every gateway hands out the same offsets. Never the sentinels `-1` or `now`.
 */

const WIDTH = 16;
const OFFSET = /^(\d+)_(\d+)$/;

export interface DsOffset {
  epoch: number;
  position: number;
}

/** A read's `offset` parameter: the start, the tail, or a position. */
export type DsOffsetQuery = { kind: 'start' } | { kind: 'now' } | ({ kind: 'at' } & DsOffset);

export function encodeOffset(offset: DsOffset): string {
  return `${pad(offset.epoch)}_${pad(offset.position)}`;
}

/** An offset of the form `<digits>_<digits>` within safe integers; undefined otherwise. */
export function decodeOffset(text: string): DsOffset | undefined {
  const match = OFFSET.exec(text);
  if (!match) return undefined;
  const epoch = Number(match[1]);
  const position = Number(match[2]);
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(position)) return undefined;
  return { epoch, position };
}

export function decodeOffsetQuery(text: string): DsOffsetQuery | undefined {
  if (text === '-1') return { kind: 'start' };
  if (text === 'now') return { kind: 'now' };
  const offset = decodeOffset(text);
  return offset && { kind: 'at', ...offset };
}

function pad(value: number): string {
  return String(value).padStart(WIDTH, '0');
}
