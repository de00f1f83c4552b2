import {
  type Chunk,
  chunkItems,
  type FinishReason,
  type Item,
  type NewItem,
} from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import {
  encodeOpenAIChunk,
  encodeOpenAIProtocolError,
  type OpenAIStreamInfo,
  openAIEncoderState,
  skipItem,
} from './openai-format.ts';

const INFO: OpenAIStreamInfo = {
  streamId: 'st_openaiformattest0001',
  created: 1_760_000_000,
  model: 'spool-synthetic',
  includeUsage: false,
};

interface Event {
  id: string | undefined;
  data: string;
}

/** The events of SSE text: each `id:` (if any) and its one `data:` line. */
function parse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      expect(lines.filter((line) => line.startsWith('data: '))).toHaveLength(1);
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6) ?? '';
      return { id, data };
    });
}

function withOffsets(items: NewItem[]): Item[] {
  return items.map((item, offset) => ({ ...item, offset }) as Item);
}

/** Encodes a whole stream, chunked as a client that falls behind would get it. */
function encode(items: NewItem[], info = INFO, maxItems = 64): Event[] {
  const state = openAIEncoderState(info);
  const chunks = chunkItems(withOffsets(items), maxItems);
  return parse(chunks.map((chunk) => encodeOpenAIChunk(chunk, state)).join(''));
}

function payloads(events: Event[]) {
  return events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data));
}

const text = (block: number, ...pieces: string[]): NewItem[] => [
  { type: 'block_start', block, kind: 'text' },
  ...pieces.map((piece) => ({ type: 'token' as const, block, text: piece })),
  { type: 'block_end', block },
];
const reasoning = (block: number, ...pieces: string[]): NewItem[] => [
  { type: 'block_start', block, kind: 'reasoning' },
  ...pieces.map((piece) => ({ type: 'token' as const, block, text: piece })),
  { type: 'block_end', block },
];
const toolCall = (block: number, id: string, name: string, ...pieces: string[]): NewItem[] => [
  { type: 'block_start', block, kind: 'tool_call', tool: { id, name } },
  ...pieces.map((piece) => ({ type: 'token' as const, block, text: piece })),
  { type: 'block_end', block },
];
const usage: NewItem = { type: 'usage', prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
const end = (finish_reason: FinishReason = 'stop'): NewItem => ({ type: 'end', finish_reason });

describe('OpenAI chunk encoding', () => {
  it('turns text tokens into delta.content, with the role first, and ends with [DONE]', () => {
    const events = encode([...text(0, 'Hel', 'lo', '!'), usage, end()], INFO, 2);
    expect(events.map((event) => event.id)).toEqual(['3', '4', '7', undefined]);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const [first, second, last] = payloads(events);
    expect(first).toEqual({
      id: 'chatcmpl-st_openaiformattest0001',
      object: 'chat.completion.chunk',
      created: 1_760_000_000,
      model: 'spool-synthetic',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: 'Hello' },
          logprobs: null,
          finish_reason: null,
        },
      ],
      spool: { stream: 'st_openaiformattest0001', next: 3 },
    });
    expect(second.choices[0].delta).toEqual({ content: '!' });
    expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(last.spool).toEqual({ stream: INFO.streamId, next: 7, finish_reason: 'stop' });
  });

  it('gives every event the resume point of its last item as id and spool.next', () => {
    const events = encode([...reasoning(0, 'a', 'b'), ...text(1, 'c'), usage, end()], INFO, 1);
    for (const payload of payloads(events)) {
      const event = events.find((candidate) => candidate.data === JSON.stringify(payload));
      expect(event?.id).toBe(String(payload.spool.next));
    }
  });

  it('turns reasoning tokens into delta.reasoning_content, then text into delta.content', () => {
    const events = payloads(encode([...reasoning(0, 'Think', 'ing'), ...text(1, 'Done'), end()]));
    expect(events.map((event) => event.choices[0].delta)).toEqual([
      { role: 'assistant', reasoning_content: 'Thinking' },
      { content: 'Done' },
      {},
    ]);
  });

  it('numbers tool calls and streams their arguments in pieces', () => {
    const items = [
      ...text(0, 'Let me check.'),
      ...toolCall(1, 'call_a', 'get_weather', '{"city"', ': "Oslo"}'),
      ...toolCall(2, 'call_b', 'get_time', '{}'),
      end('tool_calls'),
    ];
    const deltas = payloads(encode(items, INFO, 1)).map((event) => event.choices[0].delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: 'Let me check.' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ': "Oslo"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'call_b',
            type: 'function',
            function: { name: 'get_time', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ]);
  });

  it('sends usage last, after the finish chunk, only when asked for', () => {
    const items = [...text(0, 'Hi'), usage, end()];
    expect(payloads(encode(items)).some((event) => 'usage' in event)).toBe(false);
    const events = encode(items, { ...INFO, includeUsage: true });
    expect(events.map((event) => event.id)).toEqual(['2', '5', '5', undefined]);
    const [first, finish, usageChunk] = payloads(events);
    expect(first.usage).toBeNull();
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(usageChunk).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      spool: { next: 5 },
    });
  });

  it.each<[FinishReason, string]>([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['cancelled', 'stop'],
    ['error', 'stop'],
  ])(
    'ends %s with finish_reason %s and keeps Spool’s reason in spool.finish_reason',
    (reason, openai) => {
      const finish = payloads(encode([...text(0, 'x'), end(reason)])).at(-1);
      expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: openai });
      expect(finish.spool.finish_reason).toBe(reason);
    },
  );

  it('carries the role on the finish chunk of a stream without content', () => {
    expect(payloads(encode([end('cancelled')]))[0].choices[0].delta).toEqual({ role: 'assistant' });
  });

  it('sends an error item as OpenAI’s mid-stream error, with its id, before the finish', () => {
    const items: NewItem[] = [
      ...text(0, 'Hal'),
      { type: 'error', code: 'upstream_error', message: 'The model upstream failed.' },
      end('error'),
    ];
    const events = encode(items);
    expect(events[1]).toEqual({
      id: '4',
      data: JSON.stringify({
        error: {
          message: 'The model upstream failed.',
          type: 'server_error',
          code: 'upstream_error',
        },
      }),
    });
    expect(events.slice(2).map((event) => event.id)).toEqual(['5', undefined]);
  });

  it('encodes a protocol error without an id', () => {
    expect(encodeOpenAIProtocolError({ code: 'slow_consumer', message: 'Closed.' })).toBe(
      'data: {"error":{"message":"Closed.","type":"server_error","code":"slow_consumer"}}\n\n',
    );
  });

  it('resumes from any offset exactly as the uninterrupted encoding goes on', () => {
    const items = withOffsets([
      ...reasoning(0, 'hm', 'm'),
      ...text(1, 'A', 'B'),
      ...toolCall(2, 'call_a', 'get_weather', '{', '}'),
      ...toolCall(3, 'call_b', 'get_time', '{}'),
      usage,
      end('tool_calls'),
    ]);
    const chunks: Chunk[] = chunkItems(items, 1);
    const whole = openAIEncoderState({ ...INFO, includeUsage: true });
    const uninterrupted = chunks.map((chunk) => encodeOpenAIChunk(chunk, whole));
    for (let from = 0; from < items.length; from++) {
      const resumed = openAIEncoderState({ ...INFO, includeUsage: true });
      for (const item of items.slice(0, from)) skipItem(resumed, item);
      const rest = chunks.slice(from).map((chunk) => encodeOpenAIChunk(chunk, resumed));
      expect(rest, `resumed at ${from}`).toEqual(uninterrupted.slice(from));
    }
  });
});
