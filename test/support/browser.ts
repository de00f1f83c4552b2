/**
 * What the browser tests share: the Chromium they drive, quiet on a machine without network
 * (see docs/benchmarks.md machine notes), and the text of a stream's text blocks.
 */
import type { Item } from '@spool/protocol';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The text of the stream's `text` blocks, as a page shows it. */
export function textBlocks(items: Item[]): string {
  const kinds = new Map<number, string>();
  let text = '';
  for (const item of items) {
    if (item.type === 'block_start') kinds.set(item.block, item.kind);
    if (item.type === 'token' && kinds.get(item.block) === 'text') text += item.text;
  }
  return text;
}
