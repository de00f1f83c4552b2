import { chunkItems, type Item } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { MessageState } from './message-state.ts';

describe('MessageState', () => {
  it('keeps the text of text blocks and every block with its kind, tool and completeness', () => {
    const items: Item[] = [
      { type: 'block_start', offset: 0, block: 0, kind: 'reasoning' },
      { type: 'token', offset: 1, block: 0, text: 'hmm' },
      { type: 'block_end', offset: 2, block: 0 },
      { type: 'block_start', offset: 3, block: 1, kind: 'text' },
      { type: 'token', offset: 4, block: 1, text: 'Hi ' },
      { type: 'token', offset: 5, block: 1, text: 'there' },
      { type: 'block_start', offset: 6, block: 2, kind: 'tool_call', tool: { id: 'c', name: 'f' } },
      { type: 'token', offset: 7, block: 2, text: '{}' },
    ];
    const state = new MessageState();
    for (const chunk of chunkItems(items, 64)) state.apply(chunk);
    expect(state.text).toBe('Hi there');
    expect(state.blocks).toEqual([
      { index: 0, kind: 'reasoning', text: 'hmm', complete: true },
      { index: 1, kind: 'text', text: 'Hi there', complete: false },
      { index: 2, kind: 'tool_call', text: '{}', tool: { id: 'c', name: 'f' }, complete: false },
    ]);
  });

  it('counts a block first seen in the middle (a read from an offset) as text', () => {
    const state = new MessageState();
    state.apply({ kind: 'tokens', from: 10, to: 12, block: 3, text: 'ab' });
    expect(state.text).toBe('ab');
    expect(state.blocks).toEqual([{ index: 3, kind: 'text', text: 'ab', complete: false }]);
  });

  it('hands out copies, so the application cannot change what the stream holds', () => {
    const state = new MessageState();
    state.apply({ kind: 'tokens', from: 0, to: 1, block: 0, text: 'a' });
    const [block] = state.blocks;
    if (block) block.text = 'changed';
    expect(state.blocks[0]?.text).toBe('a');
  });
});
