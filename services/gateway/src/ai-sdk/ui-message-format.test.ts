/**
 * The UI message stream encoder, with the AI SDK's own code as the oracle: the encoded text is
 * the body of a response that `DefaultChatTransport` (ai 7) parses and validates against its
 * chunk schema, and `readUIMessageStream` assembles into the message `useChat` would show.
 */
import {
  chunkItems,
  type Item,
  type NewItem,
  skipUiItem,
  uiMessageEncoderState,
  uiMessageId,
} from '@spool/protocol';
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUiMessageChunk, encodeUiMessageProtocolError } from './ui-message-format.ts';

const STREAM = 'st_uimessageformattest01';

function withOffsets(items: NewItem[]): Item[] {
  return items.map((item, offset) => ({ ...item, offset }) as Item);
}

/** SSE text of the items from `from` on, chunked by `maxItems`, after skipping those below. */
function encode(items: NewItem[], from = 0, maxItems = 64): string {
  const state = uiMessageEncoderState({ streamId: STREAM, epoch: 'e1' });
  const all = withOffsets(items);
  for (const item of all.slice(0, from)) skipUiItem(state, item);
  return chunkItems(all.slice(from), maxItems)
    .map((chunk) => encodeUiMessageChunk(chunk, state))
    .join('');
}

/** What the SDK makes of `body` as a chat answer: the last message snapshot and any errors. */
async function assemble(
  body: string,
): Promise<{ message: UIMessage | undefined; errors: string[] }> {
  const transport = new DefaultChatTransport<UIMessage>({
    api: 'http://spool.invalid/v1/ai-sdk/chat',
    fetch: async () =>
      new Response(body, {
        headers: { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' },
      }),
  });
  const stream = await transport.sendMessages({
    chatId: 'chat-1',
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });
  const errors: string[] = [];
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({
    stream,
    onError: (error) => errors.push(String(error)),
  })) {
    message = snapshot;
  }
  return { message, errors };
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
  { type: 'block_start', block: 2, kind: 'tool_call', tool: { id: 'call_1', name: 'weather' } },
  ...tokens(2, '{"city"', ':"Paris', '"}'),
  { type: 'block_end', block: 2 },
  { type: 'usage', prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
  { type: 'end', finish_reason: 'tool_calls' },
];

describe('the UI message stream, read by the AI SDK', () => {
  it('assembles reasoning, text and a tool call into the message useChat shows', async () => {
    const { message, errors } = await assemble(encode(mixed));
    expect(errors).toEqual([]);
    expect(message?.id).toBe(uiMessageId(STREAM));
    expect(message?.role).toBe('assistant');
    const parts = message?.parts.filter((part) => part.type !== 'step-start');
    expect(parts).toMatchObject([
      { type: 'reasoning', text: 'Let me think.', state: 'done' },
      { type: 'text', text: 'It is sunny.', state: 'done' },
      {
        type: 'tool-weather',
        toolCallId: 'call_1',
        state: 'input-available',
        input: { city: 'Paris' },
      },
    ]);
    expect(message?.metadata).toMatchObject({
      usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 },
      spool: { stream: STREAM, finish_reason: 'tool_calls' },
    });
  });

  it('writes ids on the last line of each item and [DONE] at the end', () => {
    const text = encode(
      [
        { type: 'block_start', block: 0, kind: 'text' },
        ...tokens(0, 'a', 'b'),
        { type: 'end', finish_reason: 'stop' },
      ],
      0,
      1,
    );
    const events = text.split('\n\n').filter((event) => event !== '');
    // start, start-step and text-start share item 0's resume point 1.
    expect(events.slice(0, 3)).toEqual([
      `data: ${JSON.stringify({ type: 'start', messageId: uiMessageId(STREAM) })}`,
      'data: {"type":"start-step"}',
      'id: 1:e1\ndata: {"type":"text-start","id":"b0"}',
    ]);
    expect(events.at(-1)).toBe('id: 4:e1\ndata: [DONE]');
    expect(events.filter((event) => event.startsWith('id: ')).map((e) => e.split('\n')[0])).toEqual(
      ['id: 1:e1', 'id: 2:e1', 'id: 3:e1', 'id: 4:e1'],
    );
  });

  it('opens a text part for a token of a block that never opened', async () => {
    const { message, errors } = await assemble(
      encode([...tokens(3, 'no', ' start'), { type: 'end', finish_reason: 'stop' }]),
    );
    expect(errors).toEqual([]);
    expect(message?.parts.filter((part) => part.type === 'text')).toMatchObject([
      { type: 'text', text: 'no start' },
    ]);
  });

  it('hands an error item to onError and keeps the text before it', async () => {
    const { message, errors } = await assemble(
      encode([
        { type: 'block_start', block: 0, kind: 'text' },
        ...tokens(0, 'half'),
        { type: 'error', code: 'upstream_error', message: 'The model failed.' },
        { type: 'end', finish_reason: 'error' },
      ]),
    );
    expect(errors.join()).toContain('upstream_error: The model failed.');
    expect(message?.parts.filter((part) => part.type === 'text')).toMatchObject([
      { type: 'text', text: 'half' },
    ]);
  });

  it('maps finish reasons to the ones every SDK version accepts', async () => {
    for (const [reason, expected] of [
      ['stop', 'stop'],
      ['length', 'length'],
      ['cancelled', 'other'],
    ] as const) {
      const text = encode([...tokens(0, 'x'), { type: 'end', finish_reason: reason }]);
      expect(text).toContain(`"finishReason":"${expected}"`);
      const { errors } = await assemble(text);
      expect(errors).toEqual([]);
    }
  });

  it('writes a protocol error as an SSE comment, which the SDK does not count as a chunk', async () => {
    const error = encodeUiMessageProtocolError({ code: 'draining', message: 'Restart\nnow.' });
    expect(error).toBe(': error draining: Restart now.\n\n');
    const text = encode([...tokens(0, 'x'), { type: 'end', finish_reason: 'stop' }]);
    const { message, errors } = await assemble(error + text);
    expect(errors).toEqual([]);
    expect(message?.parts.filter((part) => part.type === 'text')).toMatchObject([{ text: 'x' }]);
  });

  it('resumed at any offset with any chunking, continues exactly the uninterrupted text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: mixed.length }),
        fc.integer({ min: 1, max: 5 }),
        (from, maxItems) => {
          const whole = encode(mixed, 0, 1);
          const cut = splitAtResumePoint(whole, from);
          expect(merged(encode(mixed, from, maxItems))).toEqual(merged(cut));
        },
      ),
    );
  });

  it('gives the SDK the same message for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), async (maxItems) => {
        const { message, errors } = await assemble(encode(mixed, 0, maxItems));
        expect(errors).toEqual([]);
        expect(message?.parts.filter((part) => part.type === 'text')).toMatchObject([
          { text: 'It is sunny.' },
        ]);
      }),
      { numRuns: 8 },
    );
  });
});

/**
 * What follows resume point `from` in a stream encoded one item per chunk. An item that makes no
 * lines (`usage`) has no id of its own: then what follows the resume point before it.
 */
function splitAtResumePoint(text: string, from: number): string {
  for (let point = from; point > 0; point--) {
    const match = new RegExp(`^id: ${point}:e1\\ndata: .*\\n\\n`, 'm').exec(text);
    if (match) return text.slice(match.index + match[0].length);
  }
  return text;
}

/** The data lines, with consecutive deltas of one part merged (chunking only splits them). */
function merged(text: string): unknown[] {
  const out: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as Record<string, string>;
    const last = out.at(-1);
    const field = chunk.type === 'tool-input-delta' ? 'inputTextDelta' : 'delta';
    const samePart = (a: Record<string, string>) =>
      a.type === chunk.type && a.id === chunk.id && a.toolCallId === chunk.toolCallId;
    if (chunk.type?.endsWith('-delta') && last && samePart(last))
      last[field] = `${last[field] ?? ''}${chunk[field] ?? ''}`;
    else out.push(chunk);
  }
  return out;
}
