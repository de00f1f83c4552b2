import type { Item, NewItem } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { MessageFold } from './message-result.ts';

function fold(items: NewItem[]): MessageFold {
  const result = new MessageFold();
  items.forEach((item, offset) => {
    result.push({ ...item, offset } as Item);
  });
  return result;
}

const info = { streamId: 'st_messageresulttest0001', model: 'claude-x' };

describe('MessageFold', () => {
  it('folds thinking, text and a tool call into one message with its usage', () => {
    const message = fold([
      { type: 'block_start', block: 0, kind: 'reasoning' },
      { type: 'token', block: 0, text: 'Hmm.' },
      { type: 'block_end', block: 0 },
      { type: 'block_start', block: 1, kind: 'text' },
      { type: 'token', block: 1, text: 'Sun' },
      { type: 'token', block: 1, text: 'ny.' },
      { type: 'block_start', block: 2, kind: 'tool_call', tool: { id: 'toolu_1', name: 'f' } },
      { type: 'token', block: 2, text: '{"a":' },
      { type: 'token', block: 2, text: ' [1]}' },
      { type: 'usage', prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      { type: 'end', finish_reason: 'tool_calls' },
    ]).message(info);
    expect(message).toEqual({
      id: `msg_${info.streamId}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'thinking', thinking: 'Hmm.', signature: '' },
        { type: 'text', text: 'Sunny.' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: [1] } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 5 },
      spool: { stream: info.streamId, finish_reason: 'tool_calls' },
    });
  });

  it('keeps tool input that is not JSON, counts tokens without usage, keeps the error', () => {
    const result = fold([
      { type: 'block_start', block: 0, kind: 'tool_call', tool: { id: 't', name: 'g' } },
      { type: 'token', block: 0, text: '{"cut' },
      { type: 'token', block: 1, text: 'x' },
      { type: 'error', code: 'upstream_error', message: 'The model failed.' },
      { type: 'end', finish_reason: 'length' },
    ]);
    expect(result.error).toEqual({ code: 'upstream_error', message: 'The model failed.' });
    const message = result.message(info);
    expect(message.content).toEqual([
      { type: 'tool_use', id: 't', name: 'g', input: { _raw: '{"cut' } },
      { type: 'text', text: 'x' },
    ]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toEqual({ input_tokens: 0, output_tokens: 2 });
  });
});
