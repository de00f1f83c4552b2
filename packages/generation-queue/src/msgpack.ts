/**
 * MessagePack encoding of the few shapes BullMQ's scripts unpack with `cmsgpack.unpack`: nil,
 * booleans, numbers, strings, arrays and string-keyed maps. Encoding only (Redis decodes).
 *
 * Here instead of msgpackr (what BullMQ packs with) because loading msgpackr costs a gateway
 * ~50 ms at start for two calls; the format is the MessagePack spec, and the test of the queue
 * checks that a job stored this way is the job `Queue.add` stores.
 */

export type MsgpackValue =
  | null
  | undefined
  | boolean
  | number
  | string
  | readonly MsgpackValue[]
  | { readonly [key: string]: MsgpackValue };

export function encodeMsgpack(value: MsgpackValue): Buffer {
  const chunks: Buffer[] = [];
  write(value, chunks);
  return Buffer.concat(chunks);
}

function write(value: MsgpackValue, out: Buffer[]): void {
  if (value === null || value === undefined) out.push(Buffer.from([0xc0]));
  else if (typeof value === 'boolean') out.push(Buffer.from([value ? 0xc3 : 0xc2]));
  else if (typeof value === 'number') writeNumber(value, out);
  else if (typeof value === 'string') writeString(value, out);
  else if (Array.isArray(value)) {
    out.push(header(value.length, 0x90, 0xdc));
    for (const item of value) write(item, out);
  } else {
    const entries = Object.entries(value as { [key: string]: MsgpackValue });
    out.push(header(entries.length, 0x80, 0xde));
    for (const [key, item] of entries) {
      writeString(key, out);
      write(item, out);
    }
  }
}

/** A fix type for up to 15 entries, else a 16- or 32-bit length after `long16` / `long16 + 1`. */
function header(length: number, fix: number, long16: number): Buffer {
  if (length < 16) return Buffer.from([fix | length]);
  if (length < 0x1_0000) return Buffer.from([long16, length >> 8, length & 0xff]);
  const buffer = Buffer.alloc(5);
  buffer[0] = long16 + 1;
  buffer.writeUInt32BE(length, 1);
  return buffer;
}

function writeString(text: string, out: Buffer[]): void {
  const bytes = Buffer.from(text, 'utf8');
  const length = bytes.length;
  if (length < 32) out.push(Buffer.from([0xa0 | length]));
  else if (length < 0x100) out.push(Buffer.from([0xd9, length]));
  else if (length < 0x1_0000) out.push(Buffer.from([0xda, length >> 8, length & 0xff]));
  else {
    const prefix = Buffer.alloc(5);
    prefix[0] = 0xdb;
    prefix.writeUInt32BE(length, 1);
    out.push(prefix);
  }
  out.push(bytes);
}

function writeNumber(value: number, out: Buffer[]): void {
  if (Object.is(value, -0)) {
    out.push(Buffer.from([0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0]));
  } else if (Number.isInteger(value) && value >= 0 && value <= 0x7f) {
    out.push(Buffer.from([value]));
  } else if (Number.isInteger(value) && value < 0 && value >= -32) {
    out.push(Buffer.from([value & 0xff]));
  } else if (Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) {
    const buffer = Buffer.alloc(5);
    buffer[0] = 0xce;
    buffer.writeUInt32BE(value, 1);
    out.push(buffer);
  } else if (Number.isInteger(value) && value < 0 && value >= -0x8000_0000) {
    const buffer = Buffer.alloc(5);
    buffer[0] = 0xd2;
    buffer.writeInt32BE(value, 1);
    out.push(buffer);
  } else {
    // Any other number, timestamps in ms included: a double, which is what Lua holds anyway.
    const buffer = Buffer.alloc(9);
    buffer[0] = 0xcb;
    buffer.writeDoubleBE(value, 1);
    out.push(buffer);
  }
}
