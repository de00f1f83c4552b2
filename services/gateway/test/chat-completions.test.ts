/**
 * `POST /v1/chat/completions` and `?format=openai` on a gateway in this process, over a real
 * Redis. No worker runs: tests append the stream's items through the token log themselves.
 */
import { type NewItem, SpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionFold } from '../src/openai/chat-completion-result.ts';
import { derivedStreamId } from '../src/streams/create-stream.ts';
import { foldStream } from '../src/streams/fold-stream.ts';
import { answer, startTestGateway, storedStream, type TestGateway } from './support.ts';

const redis = redisPerFile();
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis());
});
afterAll(async () => {
  await gateway.drain();
});

interface Event {
  id: string | undefined;
  data: string;
}

/** The events of an OpenAI-format SSE body: each one's `id:` and its `data:` line. */
function eventsOf(text: string): Event[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((line) => line.startsWith('data: ')))
    .map((lines) => ({
      id: lines.find((line) => line.startsWith('id: '))?.slice(4),
      data: lines.find((line) => line.startsWith('data: '))?.slice(6) ?? '',
    }));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of OpenAI's loosely-typed chunks
function chunksOf(events: Event[]): any[] {
  return events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data));
}

function contentOf(events: Event[]): string {
  return chunksOf(events)
    .map((chunk) => chunk.choices?.[0]?.delta?.content ?? '')
    .join('');
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function append(streamId: string, items: NewItem[]): Promise<void> {
  await gateway.log.append({ streamId, attempt: 1, at: 0, items });
}

const messages = [{ role: 'user', content: 'Hi' }];

const mixed: NewItem[] = [
  { type: 'block_start', block: 0, kind: 'reasoning' },
  ...['Let', ' me', ' think.'].map((text) => ({ type: 'token' as const, block: 0, text })),
  { type: 'block_end', block: 0 },
  { type: 'block_start', block: 1, kind: 'text' },
  ...['It', ' is', ' sunny.'].map((text) => ({ type: 'token' as const, block: 1, text })),
  { type: 'block_end', block: 1 },
  { type: 'block_start', block: 2, kind: 'tool_call', tool: { id: 'call_1', name: 'f' } },
  ...['{"a"', ': 1}'].map((text) => ({ type: 'token' as const, block: 2, text })),
  { type: 'block_end', block: 2 },
  { type: 'usage', prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
  { type: 'end', finish_reason: 'tool_calls' },
];

describe('POST /v1/chat/completions, stream: true', () => {
  it('answers SSE chunks with ids as resume points and X-Spool-Stream-Id, ending with [DONE]', async () => {
    const response = await post({ model: 'gpt-x', messages, stream: true, temperature: 0 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    expect((await gateway.log.meta(streamId)).fields.model).toBe('gpt-x');
    await append(streamId, answer(20));
    const events = eventsOf(await response.text());
    expect(events.at(-1)).toEqual({ id: undefined, data: '[DONE]' });
    const chunks = chunksOf(events);
    expect(contentOf(events)).toBe(Array.from({ length: 20 }, (_, i) => `tok${i} `).join(''));
    expect(chunks[0]).toMatchObject({
      id: `chatcmpl-${streamId}`,
      object: 'chat.completion.chunk',
      model: 'gpt-x',
      choices: [{ delta: { role: 'assistant' } }],
    });
    for (const [index, chunk] of chunks.entries()) {
      expect(chunk.spool.epoch).toMatch(/^[0-9a-f]{8}$/);
      expect(events[index]?.id).toBe(`${chunk.spool.next}:${chunk.spool.epoch}`);
    }
    expect(chunks.at(-1)).toMatchObject({
      choices: [{ finish_reason: 'stop' }],
      spool: { next: 23 },
    });
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('sends the usage chunk last when stream_options.include_usage is set', async () => {
    const response = await post({
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    await append(streamId, mixed);
    const chunks = chunksOf(eventsOf(await response.text()));
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
    });
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[0].model).toBe('spool-synthetic');
  });

  it('answers the same stream for a repeated Idempotency-Key, and 409 for another body', async () => {
    const headers = { 'idempotency-key': `chat-${Math.random()}` };
    const first = await post({ messages, stream: true }, headers);
    const streamId = first.headers.get('x-spool-stream-id') ?? '';
    expect(streamId).toBe(
      derivedStreamId(gateway.app.spool.config.idSecret, headers['idempotency-key']),
    );
    await append(streamId, answer(3));
    const again = await post({ messages, stream: true }, headers);
    expect(again.headers.get('x-spool-stream-id')).toBe(streamId);
    expect(contentOf(eventsOf(await again.text()))).toBe(contentOf(eventsOf(await first.text())));
    const other = await post({ messages: [{ role: 'user', content: 'Other' }] }, headers);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: { code: 'idempotency_conflict' } });
  });
});

describe('POST /v1/chat/completions, stream: false', () => {
  it('waits for the end and answers one chat.completion', async () => {
    const key = `wait-${Math.random()}`;
    const streamId = derivedStreamId(gateway.app.spool.config.idSecret, key);
    const response = post({ model: 'gpt-x', messages }, { 'idempotency-key': key });
    await expect
      .poll(async () => (await gateway.log.read(streamId, 0).catch(() => undefined))?.status)
      .toBe('queued');
    await append(streamId, mixed);
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-spool-stream-id')).toBe(streamId);
    expect(await answered.json()).toMatchObject({
      id: `chatcmpl-${streamId}`,
      object: 'chat.completion',
      model: 'gpt-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'It is sunny.',
            reasoning_content: 'Let me think.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a": 1}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
    });
  });

  it.each<[string, number]>([
    ['worker_lost', 500],
    ['upstream_timeout', 504],
    ['some_vendor_code', 502],
  ])('answers a stream that ended with error %s with status %i', async (code, status) => {
    const key = `error-${code}-${Math.random()}`;
    const streamId = derivedStreamId(gateway.app.spool.config.idSecret, key);
    const response = post({ messages }, { 'idempotency-key': key });
    await expect
      .poll(async () => (await gateway.log.read(streamId, 0).catch(() => undefined))?.status)
      .toBe('queued');
    await append(streamId, [
      { type: 'error', code, message: `failed: ${code}` },
      { type: 'end', finish_reason: 'error' },
    ]);
    const answered = await response;
    expect(answered.status).toBe(status);
    expect(answered.headers.get('x-spool-stream-id')).toBe(streamId);
    expect(await answered.json()).toEqual({ error: { code, message: `failed: ${code}` } });
  });

  it('lets the generation go on when the client goes away, and frees its delivery', async () => {
    const key = `gone-${Math.random()}`;
    const streamId = derivedStreamId(gateway.app.spool.config.idSecret, key);
    const controller = new AbortController();
    const request = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ messages }),
      signal: controller.signal,
    }).catch(() => undefined);
    await expect.poll(() => gateway.app.spool.deliveries.size).toBe(1);
    controller.abort();
    await request;
    await expect.poll(() => gateway.app.spool.deliveries.size).toBe(0);
    expect((await gateway.log.meta(streamId)).status).toBe('queued');
  });

  it('answers 503 draining when its gateway drains while it waits', async () => {
    const response = post({ messages });
    await expect.poll(() => gateway.app.spool.deliveries.size).toBe(1);
    gateway.app.spool.deliveries.closeAll(new SpoolError('draining'));
    const answered = await response;
    expect(answered.status).toBe(503);
    expect(answered.headers.get('retry-after')).toBe('1');
    expect(await answered.json()).toMatchObject({ error: { code: 'draining' } });
  });

  it('gives up waiting with upstream_timeout, and forwards the caller’s abort', async () => {
    const streamId = await storedStream(gateway.log, answer(2).slice(0, 2));
    const signal = new AbortController().signal;
    await expect(
      foldStream(gateway.app.spool, streamId, () => new CompletionFold(), {
        timeoutMs: 100,
        signal,
      }),
    ).rejects.toMatchObject({
      code: 'upstream_timeout',
    });
    const controller = new AbortController();
    const folding = foldStream(gateway.app.spool, streamId, () => new CompletionFold(), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort(new SpoolError('draining'));
    await expect(folding).rejects.toMatchObject({ code: 'draining' });
  });
});

describe('POST /v1/chat/completions, bad input', () => {
  it.each<[string, unknown, RegExp]>([
    ['no messages', { model: 'm' }, /^messages/],
    ['a bad role', { messages: [{ role: 'robot', content: 'x' }] }, /^messages\[0\]\.role/],
    ['stream not a boolean', { messages, stream: 'yes' }, /^stream/],
    [
      'an image part',
      { messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
      /^messages\[0\]\.content/,
    ],
  ])(
    'answers 400 invalid_request for %s, naming the field, and creates nothing',
    async (_, body, message) => {
      const depth = await gateway.app.spool.queue.depth();
      const response = await post(body);
      expect(response.status).toBe(400);
      const answered = (await response.json()) as { error: { code: string; message: string } };
      expect(answered.error.code).toBe('invalid_request');
      expect(answered.error.message).toMatch(message);
      expect(await gateway.app.spool.queue.depth()).toEqual(depth);
    },
  );

  it('answers 400 for a body that is not JSON', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"messages":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('GET /v1/streams/:id/events?format=openai', () => {
  async function read(streamId: string, headers: Record<string, string> = {}, query = '') {
    const response = await fetch(
      `${gateway.url}/v1/streams/${streamId}/events?format=openai${query}`,
      { headers },
    );
    return { status: response.status, events: eventsOf(await response.text()) };
  }

  it('resumes at every offset exactly as the uninterrupted response goes on', async () => {
    const streamId = await storedStream(gateway.log, mixed, 1);
    const whole = await read(streamId, {}, '&chunking=token');
    expect(whole.status).toBe(200);
    expect(whole.events).toHaveLength(11); // 8 tokens, a tool call start, the finish, [DONE]
    expect(whole.events.at(-1)?.data).toBe('[DONE]');
    for (const [index, event] of whole.events.entries()) {
      if (event.id === undefined || index === whole.events.length - 2) continue;
      const rest = await read(streamId, { 'Last-Event-ID': event.id }, '&chunking=token');
      expect(rest.events, `resumed at ${event.id}`).toEqual(whole.events.slice(index + 1));
    }
  });

  it('resumes after the usage item with the usage chunk still last', async () => {
    const streamId = await storedStream(gateway.log, mixed, 1);
    const rest = await read(streamId, { 'Last-Event-ID': '15' }, '&include_usage=true');
    const chunks = chunksOf(rest.events);
    expect(chunks.at(0)).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 10 } });
  });

  it('resumes deep into a long stream without reading it from 0 (the item index)', async () => {
    const streamId = await storedStream(gateway.log, answer(100_000), 1_000);
    await read(streamId, { 'Last-Event-ID': '100002' });
    const started = performance.now();
    const rest = await read(streamId, { 'Last-Event-ID': '100001' });
    const elapsed = performance.now() - started;
    console.log(`OpenAI-format resume at 100,001 of 100,003 items: ${elapsed.toFixed(1)} ms`);
    expect(chunksOf(rest.events).at(0)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
  });

  it('answers 204 at the end, and the usage chunk when include_usage=true', async () => {
    const streamId = await storedStream(gateway.log, mixed);
    expect((await read(streamId, { 'Last-Event-ID': String(mixed.length) })).status).toBe(204);
    const withUsage = chunksOf((await read(streamId, {}, '&include_usage=true')).events);
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 10 } });
    const without = chunksOf((await read(streamId)).events);
    expect(without.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('refuses a bad include_usage', async () => {
    const streamId = await storedStream(gateway.log, answer(1));
    expect((await read(streamId, {}, '&include_usage=maybe')).status).toBe(400);
  });
});
