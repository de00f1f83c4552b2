/**
 * Streams made by hand for tests that run no worker: items appended through the token log, live
 * while a client reads or all at once, as a generation would append them. Typed by what they
 * use of the log, so this package needs no dependency on `@spool/token-log`.
 */
import { randomBytes } from 'node:crypto';
import type { Item, NewItem } from '@spool/protocol';

/** What the fixtures use of a `TokenLog`. */
export interface FixtureLog {
  create(input: { id: string }): Promise<unknown>;
  append(input: {
    streamId: string;
    attempt: number;
    at: number;
    items: NewItem[];
  }): Promise<unknown>;
  items(streamId: string): AsyncIterable<Item>;
}

/** A text answer of `count` tokens: block_start, the tokens, block_end, end. */
export function answer(count: number, finish: 'stop' | 'length' = 'stop'): NewItem[] {
  return [
    { type: 'block_start', block: 0, kind: 'text' },
    ...Array.from({ length: count }, (_, index) => ({
      type: 'token' as const,
      block: 0,
      text: `tok${index} `,
    })),
    { type: 'block_end', block: 0 },
    { type: 'end', finish_reason: finish },
  ];
}

/** A stream whose items are appended in batches of `batch`, `everyMs` apart (a live generation). */
export async function liveStream(
  log: FixtureLog,
  items: NewItem[],
  options: { batch: number; everyMs: number },
): Promise<{ streamId: string; done: Promise<void> }> {
  const streamId = `st_${randomBytes(16).toString('base64url')}`;
  await log.create({ id: streamId });
  const done = (async () => {
    for (let at = 0; at < items.length; at += options.batch) {
      await log.append({ streamId, attempt: 1, at, items: items.slice(at, at + options.batch) });
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
    }
  })();
  return { streamId, done };
}

/** A stream holding all of `items`, appended in batches of `batch`. */
export async function storedStream(log: FixtureLog, items: NewItem[], batch = 5): Promise<string> {
  const { streamId, done } = await liveStream(log, items, { batch, everyMs: 0 });
  await done;
  return streamId;
}

/** Every stored item of a stream, read straight from the token log. */
export async function storedItems(log: FixtureLog, streamId: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of log.items(streamId)) items.push(item);
  return items;
}

/** The concatenated tokens of a stream's blocks of one kind. */
export function blockText(
  items: readonly Item[],
  kind: 'text' | 'reasoning' | 'tool_call',
): string {
  const blocks = new Set(
    items.flatMap((item) =>
      item.type === 'block_start' && item.kind === kind ? [item.block] : [],
    ),
  );
  return items
    .map((item) => (item.type === 'token' && blocks.has(item.block) ? item.text : ''))
    .join('');
}
