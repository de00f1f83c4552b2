import type { Item, NewItem } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { CompletionFold } from './chat-completion-result.ts';

const INFO = { streamId: 'st_completionfoldtest01', created: 1_760_000_000, model: 'm' };

function fold(items: NewItem[]): CompletionFold {
  const result = new CompletionFold();
  items.forEach((item, offset) => {
    result.push({ ...item, offset } as Item);
  });
  return result;
}

const block = (index: number, kind: 'text' | 'reasoning', ...pieces: string[]): NewItem[] => [
  { type: 'block_start', block: index, kind },
  ...pieces.map((text) => ({ type: 'token' as const, block: index, text })),
  { type: 'block_end', block: index },
];

describe('completion fold', () => {
  it('folds text, reasoning and usage into one chat.completion', () => {
    const completion = fold([
      ...block(0, 'reasoning', 'Let me ', 'think.'),
      ...block(1, 'text', 'Hello', ', world'),
      { type: 'usage', prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      { type: 'end', finish_reason: 'length' },
    ]).completion(INFO);
    expect(completion).toEqual({
      id: 'chatcmpl-st_completionfoldtest01',
      object: 'chat.completion',
      created: 1_760_000_000,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello, world',
            reasoning_content: 'Let me think.',
          },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      spool: { stream: INFO.streamId, finish_reason: 'length' },
    });
  });

  it('collects tool calls with their joined arguments, and content null without text', () => {
    const completion = fold([
      { type: 'block_start', block: 0, kind: 'tool_call', tool: { id: 'call_a', name: 'f' } },
      { type: 'token', block: 0, text: '{"a"' },
      { type: 'token', block: 0, text: ': 1}' },
      { type: 'block_end', block: 0 },
      { type: 'block_start', block: 1, kind: 'tool_call', tool: { id: 'call_b', name: 'g' } },
      { type: 'block_end', block: 1 },
      { type: 'end', finish_reason: 'tool_calls' },
    ]).completion(INFO);
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a": 1}' } },
        { id: 'call_b', type: 'function', function: { name: 'g', arguments: '' } },
      ],
    });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion).not.toHaveProperty('usage');
  });

  it('keeps the error item and Spool’s finish reason', () => {
    const result = fold([
      ...block(0, 'text', 'Hal'),
      { type: 'error', code: 'worker_lost', message: 'lost' },
      { type: 'end', finish_reason: 'error' },
    ]);
    expect(result.error).toEqual({ code: 'worker_lost', message: 'lost' });
    expect(result.finishReason).toBe('error');
    expect(result.completion(INFO).choices[0].finish_reason).toBe('stop');
  });
});
