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
  const writer = new Writer();
  writer.value(value);
  return writer.bytes();
}

/** Writes into one buffer, doubled when full. */
class Writer {
  #buffer = Buffer.allocUnsafe(256);
  #length = 0;

  bytes(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#length));
  }

  value(value: MsgpackValue): void {
    if (value === null || value === undefined) this.#byte(0xc0);
    else if (typeof value === 'boolean') this.#byte(value ? 0xc3 : 0xc2);
    else if (typeof value === 'number') this.#number(value);
    else if (typeof value === 'string') this.#string(value);
    else if (Array.isArray(value)) {
      this.#header(value.length, 0x90, 0xdc);
      for (const item of value) this.value(item);
    } else {
      const entries = Object.entries(value as { [key: string]: MsgpackValue });
      this.#header(entries.length, 0x80, 0xde);
      for (const [key, item] of entries) {
        this.#string(key);
        this.value(item);
      }
    }
  }

  /** A fix type for up to 15 entries, else a 16- or 32-bit length after `long16` / `long16 + 1`. */
  #header(length: number, fix: number, long16: number): void {
    if (length < 16) this.#byte(fix | length);
    else if (length < 0x1_0000) this.#uint16(long16, length);
    else this.#uint32(long16 + 1, length);
  }

  #string(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (length < 32) this.#byte(0xa0 | length);
    else if (length < 0x100) this.#uint8(0xd9, length);
    else if (length < 0x1_0000) this.#uint16(0xda, length);
    else this.#uint32(0xdb, length);
    this.#reserve(length);
    this.#length += this.#buffer.write(text, this.#length, 'utf8');
  }

  #number(value: number): void {
    const integer = Number.isInteger(value) && !Object.is(value, -0);
    if (integer && value >= 0 && value <= 0x7f) this.#byte(value);
    else if (integer && value < 0 && value >= -32) this.#byte(value & 0xff);
    else if (integer && value >= 0 && value <= 0xffff_ffff) this.#uint32(0xce, value);
    else if (integer && value < 0 && value >= -0x8000_0000) {
      this.#reserve(5);
      this.#buffer[this.#length] = 0xd2;
      this.#buffer.writeInt32BE(value, this.#length + 1);
      this.#length += 5;
    } else {
      // Any other number, timestamps in ms included: a double, which is what Lua holds anyway.
      this.#reserve(9);
      this.#buffer[this.#length] = 0xcb;
      this.#buffer.writeDoubleBE(value, this.#length + 1);
      this.#length += 9;
    }
  }

  #byte(byte: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = byte;
  }

  #uint8(type: number, value: number): void {
    this.#reserve(2);
    this.#buffer[this.#length] = type;
    this.#buffer[this.#length + 1] = value;
    this.#length += 2;
  }

  #uint16(type: number, value: number): void {
    this.#reserve(3);
    this.#buffer[this.#length] = type;
    this.#buffer.writeUInt16BE(value, this.#length + 1);
    this.#length += 3;
  }

  #uint32(type: number, value: number): void {
    this.#reserve(5);
    this.#buffer[this.#length] = type;
    this.#buffer.writeUInt32BE(value, this.#length + 1);
    this.#length += 5;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}
