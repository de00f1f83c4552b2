import { describe, expect, it } from 'vitest';
import { parseChatCompletionBody, planChatCompletion } from './chat-completion-request.ts';

const check = parseChatCompletionBody;

function plan(body: unknown) {
  const result = check(body);
  if (!result.ok) throw new Error(result.error.message);
  return planChatCompletion(result.value);
}

const user = { role: 'user', content: 'Hi' };

describe('chat completion request', () => {
  it('passes every field it does not use through as a param, unchanged', () => {
    const extra = {
      temperature: 0.3,
      top_p: 1,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      stop: ['\n'],
      seed: 4,
      max_completion_tokens: 20,
      user: 'u-1',
      x_vendor: { deep: [1, null] },
    };
    const body = {
      model: 'm',
      messages: [user],
      stream: true,
      stream_options: { include_usage: true },
      ...extra,
    };
    expect(plan(body).job('st_chatcompletionreq0001')).toEqual({
      streamId: 'st_chatcompletionreq0001',
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      params: extra,
    });
  });

  it('reads stream and include_usage, and keeps include_usage and the model with the stream', () => {
    expect(plan({ messages: [user] })).toMatchObject({
      stream: false,
      includeUsage: false,
      model: undefined,
      fields: {},
    });
    const streaming = plan({
      model: 'm',
      messages: [user],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(streaming).toMatchObject({ stream: true, includeUsage: true, model: 'm' });
    expect(streaming.fields).toEqual({ model: 'm', openai_include_usage: 'true' });
    expect(plan({ messages: [user], stream: null, stream_options: null }).stream).toBe(false);
  });

  it('flattens text parts, and keeps names, tool calls and tool call ids', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    const messages = [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two' },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
    ];
    expect(plan({ messages }).job('st_chatcompletionreq0001').messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', name: 'ann', content: 'One\nTwo' },
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['no messages', { model: 'm' }, 'messages'],
    ['empty messages', { messages: [] }, 'messages'],
    ['a bad role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    ['no content', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    [
      'an image part',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      'messages[0].content',
    ],
    ['stream not a boolean', { messages: [user], stream: 'yes' }, 'stream'],
    ['a model not a string', { messages: [user], model: 7 }, 'model'],
    ['n above 1', { messages: [user], n: 2 }, 'n'],
    [
      'include_usage not a boolean',
      { messages: [user], stream_options: { include_usage: 'yes' } },
      'stream_options.include_usage',
    ],
    ['a field name too long', { messages: [user], ['x'.repeat(65)]: 1 }, 'x'.repeat(65)],
    [
      'too many fields',
      {
        messages: [user],
        ...Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, i])),
      },
      'body',
    ],
    ['not an object', [user], 'body'],
  ])('refuses %s, naming the field', (_, body, field) => {
    const result = check(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_request');
      expect(result.error.message.startsWith(`${field}`)).toBe(true);
    }
  });
});
