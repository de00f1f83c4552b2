/**
 * Chunk indexes of the WorkflowChatTransport contract over the encoder: an answer from any
 * `startIndex` is exactly the tail of the whole answer (one item per chunk), and a negative index
 * never starts inside a part the client would not have seen open.
 */
import {
  chunkItems,
  type Item,
  type NewItem,
  skipUiItem,
  uiMessageEncoderState,
} from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uiChunkPosition } from './ui-chunk-index.ts';
import { encodeUiMessageChunk } from './ui-message-format.ts';

const STREAM = 'st_uichunkindextest00001';

const tokens = (block: number, ...pieces: string[]): NewItem[] =>
  pieces.map((text) => ({ type: 'token' as const, block, text }));

const ITEMS: Item[] = (
  [
    { type: 'block_start', block: 0, kind: 'reasoning' },
    ...tokens(0, 'a', 'b'),
    { type: 'block_end', block: 0 },
    { type: 'block_start', block: 1, kind: 'text' },
    ...tokens(1, 'c', 'd', 'e'),
    { type: 'block_end', block: 1 },
    { type: 'usage', prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    { type: 'end', finish_reason: 'stop' },
  ] as NewItem[]
).map((item, offset) => ({ ...item, offset }) as Item);

const reader = (items: Item[]) => (range: { to?: number }) =>
  (async function* () {
    for (const item of items.slice(0, range.to ?? items.length)) yield item;
  })();

/** The JSON chunks (no [DONE]) of an answer from item `from` without its first `skip` chunks. */
function answerFrom(items: Item[], from: number, skip: number): string[] {
  const state = uiMessageEncoderState({ streamId: STREAM });
  for (const item of items.slice(0, from)) skipUiItem(state, item);
  return chunkItems(items.slice(from), 1)
    .map((chunk, index) => encodeUiMessageChunk(chunk, state, index === 0 ? skip : 0))
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => line.slice(6));
}

const whole = answerFrom(ITEMS, 0, 0);

describe('chunk indexes (WorkflowChatTransport startIndex)', () => {
  it('resumes at any non-negative index with exactly the rest of the answer', async () => {
    for (let index = 0; index <= whole.length; index++) {
      const position = await uiChunkPosition(STREAM, reader(ITEMS), index);
      if (!position.ok) throw new Error(position.error.message);
      const { from, skip, tailIndex } = position.value;
      expect(answerFrom(ITEMS, from, skip)).toEqual(whole.slice(index));
      expect(tailIndex).toBe(whole.length - 1);
    }
  });

  it('refuses an index beyond the chunks made so far', async () => {
    const position = await uiChunkPosition(STREAM, reader(ITEMS), whole.length + 1);
    expect(position.ok ? undefined : position.error.code).toBe('offset_out_of_range');
  });

  it('snaps a negative index back to the start of the parts open there; the client lands on it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: ITEMS.length }),
        fc.integer({ min: -40, max: -1 }),
        async (made, startIndex) => {
          const items = ITEMS.slice(0, made);
          const made_ = answerFrom(items, 0, 0);
          const position = await uiChunkPosition(STREAM, reader(items), startIndex);
          if (!position.ok) throw new Error(position.error.message);
          const { from, skip, tailIndex } = position.value;
          const answer = answerFrom(items, from, skip);
          // The transport's arithmetic: where it believes the answer starts.
          const believed = Math.max(0, tailIndex + 1 + startIndex);
          expect(answer).toEqual(made_.slice(believed));
          // No delta or end of a part whose start the answer does not carry.
          const started = new Set<string>();
          for (const line of answer) {
            const chunk = JSON.parse(line) as { type: string; id?: string; toolCallId?: string };
            const id = chunk.id ?? chunk.toolCallId ?? '';
            if (chunk.type.endsWith('-start') && chunk.type !== 'start-step') started.add(id);
            if (/-(delta|end)$/.test(chunk.type)) expect(started.has(id)).toBe(true);
          }
        },
      ),
    );
  });
});
