/**
 * The OpenAI-compatible side of the gateway with real processes (gateway, worker, Redis) and
 * the official `openai` SDK as the client: streaming and whole answers, a cut stream resumed
 * through `?format=openai`, tool calls, pass-through of the fields the gateway does not use,
 * and bad requests.
 */
import { blockText, type FakeOpenAI, startFakeOpenAI } from '@spool/testing';
import { createParser } from 'eventsource-parser';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();
let fake: FakeOpenAI | undefined;

afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** Chunks as the gateway sends them: OpenAI's, plus Spool's resume point. */
type SpoolChunk = ChatCompletionChunk & {
  spool: { stream: string; next: number; epoch: string };
};

const messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: [{ type: 'text', text: 'How does a stream survive a crash?' }] },
];

/** A gateway and a synthetic worker without delays, and an OpenAI client of the gateway. */
async function startSystem(workerEnv: Record<string, string> = {}): Promise<{
  client: OpenAI;
  url: string;
}> {
  const system = systemOf();
  const gateway = await system.startGateway();
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0', ...workerEnv });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  return { client, url: gateway.url };
}

function contentOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

/** Reads an OpenAI-format SSE response raw: every `data:` payload up to `[DONE]`, with its id. */
async function readOpenAISse(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; chunks: SpoolChunk[]; ids: (string | undefined)[]; done: boolean }> {
  const response = await fetch(url, { headers });
  const read = {
    status: response.status,
    chunks: [] as SpoolChunk[],
    ids: [] as (string | undefined)[],
    done: false,
  };
  const parser = createParser({
    onEvent: (event) => {
      if (event.data === '[DONE]') {
        read.done = true;
        return;
      }
      read.chunks.push(JSON.parse(event.data) as SpoolChunk);
      read.ids.push(event.id);
    },
  });
  parser.feed(await response.text());
  return read;
}

describe('OpenAI compatibility with the openai SDK', () => {
  it('streams a completion whose content is the text of the stream, with the stream id header', async () => {
    const system = systemOf();
    const { client } = await startSystem();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'spool-synthetic', messages, stream: true, seed: 11, max_tokens: 150 })
      .withResponse();
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    expect(streamId).toMatch(/^st_/);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const items = await system.waitForEnd(streamId);
    expect(contentOf(chunks)).toBe(blockText(items, 'text'));
    expect(contentOf(chunks).length).toBeGreaterThan(0);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.every((chunk) => chunk.id === `chatcmpl-${streamId}`)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
    const reasoning = chunks.map(
      (chunk) =>
        (chunk.choices[0]?.delta as { reasoning_content?: string })?.reasoning_content ?? '',
    );
    expect(reasoning.join('')).toBe(blockText(items, 'reasoning'));
  });

  it('answers a whole completion with the same content, usage and finish reason', async () => {
    const system = systemOf();
    const { client } = await startSystem();
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'spool-synthetic', messages, seed: 11 })
      .withResponse();
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    const items = await system.waitForEnd(streamId);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('spool-synthetic');
    expect(completion.choices[0]?.message.content).toBe(blockText(items, 'text'));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = items.find((item) => item.type === 'usage');
    expect(completion.usage).toEqual({
      prompt_tokens: usage?.type === 'usage' ? usage.prompt_tokens : -1,
      completion_tokens: usage?.type === 'usage' ? usage.completion_tokens : -1,
      total_tokens: usage?.type === 'usage' ? usage.total_tokens : -1,
    });
  });

  it('resumes a stream cut at a random point through ?format=openai with the last spool.next', async () => {
    const system = systemOf();
    const { client, url } = await startSystem({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '300' });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'spool-synthetic',
        messages,
        stream: true,
        seed: 5,
        max_tokens: 300,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    const cut = 2 + Math.floor(Math.random() * 30);
    const before: SpoolChunk[] = [];
    for await (const chunk of stream) {
      before.push(chunk as SpoolChunk);
      if (before.length >= cut) break;
    }
    stream.controller.abort();
    const last = before.at(-1)?.spool;
    const resumeAt = last ? `${last.next}:${last.epoch}` : '0';
    expect((await system.log.meta(streamId)).status).not.toBe('done'); // really cut mid-way
    const after = await readOpenAISse(`${url}/v1/streams/${streamId}/events?format=openai`, {
      'Last-Event-ID': resumeAt,
    });
    const items = await system.waitForEnd(streamId);
    expect(after.status).toBe(200);
    expect(after.done).toBe(true);
    expect(contentOf(before) + contentOf(after.chunks)).toBe(blockText(items, 'text'));
    // Ids are resume ids: the offset after the event's items and the stream's epoch.
    expect(after.chunks.map((chunk) => `${chunk.spool.next}:${chunk.spool.epoch}`)).toEqual(
      after.ids,
    );
    expect(after.chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { total_tokens: expect.any(Number) },
    });
    expect(after.chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
  });

  it('streams the tool call the synthetic model makes when given tools', async () => {
    const { client } = await startSystem();
    const stream = await client.chat.completions.create({
      model: 'spool-synthetic',
      messages,
      stream: true,
      seed: 3,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
    });
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { arguments: '' };
        call.id ??= delta.id;
        call.name ??= delta.function?.name;
        call.arguments += delta.function?.arguments ?? '';
        calls.set(delta.index, call);
      }
    }
    expect([...calls.keys()]).toEqual([0]);
    const call = calls.get(0);
    expect(call?.id).toMatch(/^call_/);
    expect(call?.name).toBeTruthy();
    expect(JSON.parse(call?.arguments ?? '')).toBeTypeOf('object');
    expect(finish).toBe('tool_calls');
  });

  it('passes the request fields the gateway does not use to the upstream model', async () => {
    fake = await startFakeOpenAI({
      script: [{ content: 'Hel' }, { content: 'lo' }, { finish: 'stop' }],
    });
    const { client } = await startSystem({
      SPOOL_MODEL_ADAPTER: 'openai',
      SPOOL_OPENAI_BASE_URL: fake.baseUrl,
    });
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', parameters: { type: 'object' } },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'upstream-model',
      messages,
      temperature: 0.3,
      top_p: 0.5,
      user: 'x',
      response_format: { type: 'text' },
      stop: ['\n\n', 'END'],
      tools,
      tool_choice: 'auto',
      max_completion_tokens: 64,
      // @ts-expect-error: a vendor field the SDK does not know
      x_vendor_option: { beam: [1, 2] },
    });
    expect(completion.choices[0]?.message.content).toBe('Hello');
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'upstream-model',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'How does a stream survive a crash?' },
      ],
      temperature: 0.3,
      top_p: 0.5,
      user: 'x',
      response_format: { type: 'text' },
      stop: ['\n\n', 'END'],
      tools,
      tool_choice: 'auto',
      max_completion_tokens: 64,
      x_vendor_option: { beam: [1, 2] },
      stream: true,
    });
  });

  it('refuses invalid bodies with 400 invalid_request naming the field', async () => {
    const { client } = await startSystem();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model: 'm', messages: [] }, /messages/],
      [{ model: 'm', messages: [{ role: 'robot', content: 'hi' }] }, /messages\[0\]\.role/],
      [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 3 }, /^400 n:/],
    ];
    for (const [body, message] of cases) {
      const failure = await client.chat.completions
        .create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      expect(failure).toMatchObject({ status: 400, code: 'invalid_request' });
      expect((failure as Error).message).toMatch(message);
    }
  });
});
