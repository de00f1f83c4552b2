/**
 * The Anthropic-compatible side of the gateway with real processes (gateway, worker, Redis) and
 * the official `@anthropic-ai/sdk` as the client: streamed and whole answers with text,
 * thinking and tool use, a cut stream resumed through `?format=anthropic`, and bad requests.
 */
import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  MessageStreamParams,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { blockText, type FakeAnthropic, startFakeAnthropic } from '@spool/testing';
import { createParser } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();
let fake: FakeAnthropic | undefined;

afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const messages: MessageParam[] = [
  { role: 'user', content: [{ type: 'text', text: 'How does a stream survive a crash?' }] },
];

const tools = [
  {
    name: 'get_weather',
    description: 'The weather in a city.',
    input_schema: { type: 'object' as const },
  },
];

/**
 * The synthetic model says exactly `max_tokens` tokens, so with it a tool call at the end would
 * be cut. The gateway does not require the field (the Messages API does): tool tests leave it out.
 */
function withoutMaxTokens<Params>(params: Omit<Params, 'max_tokens'>): Params {
  return params as Params;
}

/** A gateway and a synthetic worker, and an Anthropic client of the gateway. */
async function startSystem(workerEnv: Record<string, string> = {}) {
  const system = systemOf();
  const gateway = await system.startGateway();
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0', ...workerEnv });
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0 });
  return { system, client, url: gateway.url };
}

/** The text of every delta of one kind, in order. */
function deltaText(events: RawMessageStreamEvent[], type: string): string {
  return events
    .map((event) => {
      if (event.type !== 'content_block_delta' || event.delta.type !== type) return '';
      const delta = event.delta as { text?: string; thinking?: string; partial_json?: string };
      return delta.text ?? delta.thinking ?? delta.partial_json ?? '';
    })
    .join('');
}

describe('Anthropic compatibility with the @anthropic-ai/sdk', () => {
  it('streams thinking, text and a tool call that the SDK accumulates into the stream’s items', async () => {
    const { system, client } = await startSystem();
    const stream = client.messages.stream(
      withoutMaxTokens<MessageStreamParams>({
        model: 'claude-spool',
        messages,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools,
        metadata: { user_id: 'someone' },
      }),
    );
    const events: RawMessageStreamEvent[] = [];
    stream.on('streamEvent', (event) => events.push(event));
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    expect(streamId).toMatch(/^st_/);
    const items = await system.waitForEnd(streamId);
    expect(message.id).toBe(`msg_${streamId}`);
    expect(message.model).toBe('claude-spool');
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
    const [thinking, text, toolUse] = message.content;
    expect(thinking?.type === 'thinking' && thinking.thinking).toBe(blockText(items, 'reasoning'));
    expect(text?.type === 'text' && text.text).toBe(blockText(items, 'text'));
    expect(toolUse?.type === 'tool_use' && toolUse.input).toEqual(
      JSON.parse(blockText(items, 'tool_call')),
    );
    expect(message.stop_reason).toBe('tool_use');
    const usage = items.find((item) => item.type === 'usage');
    expect(message.usage.output_tokens).toBe(
      usage?.type === 'usage' ? usage.completion_tokens : -1,
    );
    expect(deltaText(events, 'text_delta')).toBe(blockText(items, 'text'));
    expect(events[0]?.type).toBe('message_start');
    expect(events.at(-1)?.type).toBe('message_stop');
  });

  it('answers a whole message with the same content, usage and stop reason', async () => {
    const { system, client } = await startSystem();
    const { data: message, response } = await client.messages
      .create({
        model: 'claude-spool',
        max_tokens: 80,
        system: 'Answer briefly.',
        messages,
        thinking: { type: 'disabled' },
      })
      .withResponse();
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    const items = await system.waitForEnd(streamId);
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: blockText(items, 'text') }]);
    expect(blockText(items, 'text').length).toBeGreaterThan(0);
    expect(message.stop_reason).toBe('max_tokens');
    const usage = items.find((item) => item.type === 'usage');
    expect(message.usage).toEqual({
      input_tokens: usage?.type === 'usage' ? usage.prompt_tokens : -1,
      output_tokens: 80,
    });
  });

  it('answers a whole message with a tool call whose input is the parsed arguments', async () => {
    const { system, client } = await startSystem();
    const { data: message, response } = await client.messages
      .create(
        withoutMaxTokens<MessageCreateParamsNonStreaming>({
          model: 'claude-spool',
          messages,
          tools,
          stream: false,
        }),
      )
      .withResponse();
    const items = await system.waitForEnd(response.headers.get('x-spool-stream-id') ?? '');
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    expect(toolUse?.type === 'tool_use' && toolUse.id).toMatch(/^call_/);
    expect(toolUse?.type === 'tool_use' && toolUse.input).toEqual(
      JSON.parse(blockText(items, 'tool_call')),
    );
    expect(message.stop_reason).toBe('tool_use');
  });

  it('resumes a stream cut at a random point through ?format=anthropic with the last event id', async () => {
    const { system, url } = await startSystem({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '300' });
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-spool',
        max_tokens: 300,
        stream: true,
        messages,
        thinking: { type: 'disabled' },
      }),
    });
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    const cut = 3 + Math.floor(Math.random() * 30);
    const before = await readEvents(response, cut);
    expect((await system.log.meta(streamId)).status).not.toBe('done'); // really cut mid-way
    const after = await readEvents(
      await fetch(`${url}/v1/streams/${streamId}/events?format=anthropic`, {
        headers: { 'Last-Event-ID': before.lastId },
      }),
    );
    const items = await system.waitForEnd(streamId);
    const all = [...before.events, ...after.events];
    expect(deltaText(all, 'text_delta')).toBe(blockText(items, 'text'));
    expect(all.filter((event) => event.type === 'message_start')).toHaveLength(1);
    expect(all.filter((event) => event.type === 'content_block_start')).toHaveLength(1);
    expect(after.events.at(-2)).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens' },
    });
    expect(after.events.at(-1)?.type).toBe('message_stop');
  });

  it('relays an Anthropic upstream through the anthropic adapter: SDK → gateway → worker → upstream', async () => {
    fake = await startFakeAnthropic([
      { thinking: ['Cold', ' there.'] },
      { text: ['It is ', '4 °C.'] },
      { stop: 'end_turn', outputTokens: 6 },
    ]);
    const { system, client } = await startSystem({
      SPOOL_MODEL_ADAPTER: 'anthropic',
      SPOOL_ANTHROPIC_BASE_URL: fake.baseUrl,
      SPOOL_ANTHROPIC_API_KEY: 'sk-ant-upstream',
    });
    const { data: message, response } = await client.messages
      .create({
        model: 'claude-upstream',
        max_tokens: 64,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        thinking: { type: 'enabled', budget_tokens: 1024 },
      })
      .withResponse();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Cold there.', signature: '' },
      { type: 'text', text: 'It is 4 °C.' },
    ]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toEqual({ input_tokens: 7, output_tokens: 6 });
    const items = await system.waitForEnd(response.headers.get('x-spool-stream-id') ?? '');
    expect(blockText(items, 'text')).toBe('It is 4 °C.');
    expect(fake.requests[0]?.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'claude-upstream',
      max_tokens: 64,
      system: 'Be brief.',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }],
      stream: true,
    });
  });

  it('refuses a bad request with Anthropic’s error body, and creates no stream', async () => {
    const { client } = await startSystem();
    const refused = await client.messages
      .create({
        model: 'claude-spool',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    const error = refused as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'invalid_request' },
    });
    expect(error.headers?.get('x-spool-stream-id')).toBeNull(); // refused before a stream exists
  });
});

/** Reads Anthropic-format SSE events until `limit` (then stops reading) or the body's end. */
async function readEvents(
  response: Response,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ events: RawMessageStreamEvent[]; lastId: string }> {
  const read = { events: [] as RawMessageStreamEvent[], lastId: '' };
  const parser = createParser({
    onEvent: (event) => {
      if (read.events.length >= limit || event.event === 'ping') return;
      read.events.push(JSON.parse(event.data) as RawMessageStreamEvent);
      if (event.id !== undefined) read.lastId = event.id;
    },
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  while (read.events.length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  return read;
}
