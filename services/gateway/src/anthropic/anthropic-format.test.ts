import { chunkItems, type Item, type NewItem } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnthropicStreamInfo,
  anthropicEncoderState,
  encodeAnthropicChunk,
  encodeAnthropicProtocolError,
  skipItem,
} from './anthropic-format.ts';

const INFO: AnthropicStreamInfo = { streamId: 'st_anthropicformattest01', model: 'claude-x' };

interface Event {
  event: string;
  id: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the Messages API's events
  data: any;
}

/** The events of SSE text: each one's `event:`, `id:` (if any) and its one `data:` line. */
function parse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      expect(lines.filter((line) => line.startsWith('data: '))).toHaveLength(1);
      return {
        event: lines.find((line) => line.startsWith('event: '))?.slice(7) ?? '',
        id: lines.find((line) => line.startsWith('id: '))?.slice(4),
        data: JSON.parse(lines.find((line) => line.startsWith('data: '))?.slice(6) ?? ''),
      };
    });
}

function withOffsets(items: NewItem[]): Item[] {
  return items.map((item, offset) => ({ ...item, offset }) as Item);
}

/** Encodes the items from `from` on, chunked by `maxItems`, after skipping those below. */
function encode(items: NewItem[], from = 0, maxItems = 64): Event[] {
  const state = anthropicEncoderState(INFO);
  const all = withOffsets(items);
  for (const item of all.slice(0, from)) skipItem(state, item);
  const chunks = chunkItems(all.slice(from), maxItems);
  return parse(chunks.map((chunk) => encodeAnthropicChunk(chunk, state)).join(''));
}

const tokens = (block: number, ...pieces: string[]): NewItem[] =>
  pieces.map((text) => ({ type: 'token' as const, block, text }));

const mixed: NewItem[] = [
  { type: 'block_start', block: 0, kind: 'reasoning' },
  ...tokens(0, 'Let', ' me', ' think.'),
  { type: 'block_end', block: 0 },
  { type: 'block_start', block: 1, kind: 'text' },
  ...tokens(1, 'It', ' is', ' sunny.'),
  { type: 'block_end', block: 1 },
  { type: 'block_start', block: 2, kind: 'tool_call', tool: { id: 'toolu_1', name: 'f' } },
  ...tokens(2, '{"a"', ': 1}'),
  { type: 'block_end', block: 2 },
  { type: 'usage', prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
  { type: 'end', finish_reason: 'tool_calls' },
];

describe('Anthropic Messages stream format', () => {
  it('frames thinking, text and tool use as the Messages API does', () => {
    const events = encode(mixed);
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const event of events) expect(event.data.type).toBe(event.event);
    expect(events[0]?.data.message).toEqual({
      id: `msg_${INFO.streamId}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    const starts = events.filter((event) => event.event === 'content_block_start');
    expect(starts.map((event) => [event.data.index, event.data.content_block])).toEqual([
      [0, { type: 'thinking', thinking: '', signature: '' }],
      [1, { type: 'text', text: '' }],
      [2, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }],
    ]);
    const deltas = events.filter((event) => event.event === 'content_block_delta');
    expect(deltas.map((event) => event.data.delta)).toEqual([
      { type: 'thinking_delta', thinking: 'Let me think.' },
      { type: 'text_delta', text: 'It is sunny.' },
      { type: 'input_json_delta', partial_json: '{"a": 1}' },
    ]);
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 2, output_tokens: 8 },
      spool: { stream: INFO.streamId, finish_reason: 'tool_calls' },
    });
    // Ids are resume points: on the last event of each item's group, never decreasing, the
    // last one the end of the stream.
    expect(events[0]?.id).toBeUndefined(); // message_start goes with the first item's event
    expect(events.at(-2)?.id).toBeUndefined(); // message_delta with message_stop
    const ids = events.flatMap((event) => (event.id === undefined ? [] : [Number(event.id)]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)).toBe(mixed.length);
  });

  it('maps finish reasons to stop reasons, and counts output tokens when no usage came', () => {
    const stopOf = (finish_reason: 'stop' | 'length' | 'cancelled') =>
      encode([...tokens(0, 'a', 'b'), { type: 'end', finish_reason }]).find(
        (event) => event.event === 'message_delta',
      )?.data;
    expect(stopOf('stop').delta.stop_reason).toBe('end_turn');
    expect(stopOf('length').delta.stop_reason).toBe('max_tokens');
    expect(stopOf('cancelled')).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 0, output_tokens: 2 },
      spool: { finish_reason: 'cancelled' },
    });
  });

  it('opens a text block for tokens of a block that never started', () => {
    const events = encode([...tokens(4, 'Hi'), { type: 'end', finish_reason: 'stop' }]);
    expect(events.slice(1, 3).map((event) => event.data)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    ]);
  });

  it('sends an error item as an error event with its id, a protocol error without one', () => {
    const events = encode([
      ...tokens(0, 'a'),
      { type: 'error', code: 'upstream_error', message: 'The model failed.' },
      { type: 'end', finish_reason: 'error' },
    ]);
    expect(events.find((event) => event.event === 'error')).toEqual({
      event: 'error',
      id: '2',
      data: {
        type: 'error',
        error: { type: 'api_error', message: 'The model failed.', code: 'upstream_error' },
      },
    });
    expect(parse(encodeAnthropicProtocolError({ code: 'draining', message: 'Bye.' }))).toEqual([
      {
        event: 'error',
        id: undefined,
        data: {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Bye.', code: 'draining' },
        },
      },
    ]);
  });

  it('resumed at any offset, with any chunking, sends exactly the events after it', () => {
    const whole = encode(mixed, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: mixed.length }),
        fc.integer({ min: 1, max: 8 }),
        (from, maxItems) => {
          const resumed = encode(mixed, from, maxItems);
          // Chunking joins deltas: compare the text each block gets and the other events.
          const groups = groupIds(whole);
          const expected = whole.filter((_event, index) => (groups[index] ?? 0) > from);
          expect(joinDeltas(resumed)).toEqual(joinDeltas(expected));
        },
      ),
    );
  });
});

/** Each event's resume point: its own id, or that of the next event with one (its group's). */
function groupIds(events: Event[]): number[] {
  const ids: number[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (let index = events.length - 1; index >= 0; index--) {
    const id = events[index]?.id;
    if (id !== undefined) next = Number(id);
    ids[index] = next;
  }
  return ids;
}

/** Each block's delta text, by index, and the other events in order. */
function joinDeltas(events: Event[]): unknown {
  const texts = new Map<number, string>();
  const others: string[] = [];
  for (const event of events) {
    if (event.event !== 'content_block_delta') others.push(JSON.stringify(event.data));
    else {
      const { index, delta } = event.data;
      const piece = delta.text ?? delta.thinking ?? delta.partial_json;
      texts.set(index, (texts.get(index) ?? '') + piece);
    }
  }
  return { texts: [...texts], others };
}
