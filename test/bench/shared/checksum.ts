/**
 * A checksum of a stream's content that does not depend on how it was chunked: token texts
 * concatenated in offset order, each control item as its type and fields. Two 32-bit FNV-1a
 * lanes with different offsets (64 bits together), updated incrementally as chunks arrive.
 */
import { type ControlItem, controlFields, type Item } from '@spool/protocol';

const PRIME = 0x01000193;

export class ContentHash {
  #a = 0x811c9dc5;
  #b = 0x050c5d1f;

  text(text: string): void {
    let a = this.#a;
    let b = this.#b;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      a = Math.imul(a ^ code, PRIME);
      b = Math.imul(b ^ (code + 0x9e37), PRIME);
    }
    this.#a = a;
    this.#b = b;
  }

  /** A control item as it travels: its type and its fields (offset first), JSON. */
  control(type: string, fields: Record<string, unknown>): void {
    this.text(`\u0001${type}\u0001${JSON.stringify(fields)}\u0001`);
  }

  item(item: Item): void {
    if (item.type === 'token') this.text(item.text);
    else this.control(item.type, controlFields(item as ControlItem));
  }

  digest(): string {
    return (
      (this.#a >>> 0).toString(16).padStart(8, '0') + (this.#b >>> 0).toString(16).padStart(8, '0')
    );
  }
}

export function hashItems(items: readonly Item[]): string {
  const hash = new ContentHash();
  for (const item of items) hash.item(item);
  return hash.digest();
}
