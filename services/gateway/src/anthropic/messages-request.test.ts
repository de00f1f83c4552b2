import { describe, expect, it } from 'vitest';
import { parseMessagesBody, planMessages } from './messages-request.ts';

function plan(body: unknown) {
  const parsed = parseMessagesBody(body);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return planMessages(parsed.value);
}

describe('POST /v1/messages body', () => {
  it('turns system, text, tool use and tool results into chat messages; other fields are params', () => {
    const result = plan({
      model: 'claude-x',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      stream: true,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Look it up.', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [{ type: 'text', text: '4 °C' }],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    });
    expect(result.stream).toBe(true);
    expect(result.fields).toEqual({ model: 'claude-x' });
    const job = result.job('st_messagesrequesttest01');
    expect(job.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '4 °C' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    expect(job.params).toEqual({
      max_tokens: 64,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
    });
  });

  it.each([
    ['no messages', { messages: [] }, 'messages'],
    ['a bad role', { messages: [{ role: 'system', content: 'x' }] }, 'role'],
    [
      'an image block',
      {
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'base64', data: '' } }] },
        ],
      },
      'messages',
    ],
    [
      'a non-boolean stream',
      { messages: [{ role: 'user', content: 'x' }], stream: 'yes' },
      'stream',
    ],
  ])('refuses %s as invalid_request naming the field', (_name, body, field) => {
    const parsed = parseMessagesBody(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe('invalid_request');
    expect(parsed.error.message).toContain(field);
  });
});
