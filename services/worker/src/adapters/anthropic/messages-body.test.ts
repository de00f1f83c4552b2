import { describe, expect, it } from 'vitest';
import { messagesBody } from './messages-body.ts';

const options = { model: 'claude-default', defaultMaxTokens: 100 };

describe('messagesBody', () => {
  it('joins system and developer messages, and puts consecutive tool results in one user turn', () => {
    const body = messagesBody(
      {
        streamId: 'st_messagesbodytest00001',
        messages: [
          { role: 'system', content: 'One.' },
          { role: 'developer', content: 'Two.' },
          { role: 'user', content: 'Go.' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'a', function: { name: 'f', arguments: 'not json' } },
              { id: 'b', function: { name: 'g', arguments: '[1]' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: 'x' },
          { role: 'tool', tool_call_id: 'b', content: 'y' },
        ],
        model: 'claude-asked',
        params: { max_tokens: 5, stream: false, model: 'ignored', top_k: null },
      },
      options,
    );
    expect(body).toEqual({
      model: 'claude-asked',
      max_tokens: 5,
      system: 'One.\n\nTwo.',
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Go.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'a', name: 'f', input: { _raw: 'not json' } },
            { type: 'tool_use', id: 'b', name: 'g', input: { value: [1] } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'a', content: 'x' },
            { type: 'tool_result', tool_use_id: 'b', content: 'y' },
          ],
        },
      ],
    });
  });
});
