import type { NewItem } from '@spool/protocol';
import {
  type FakeOpenAI,
  type FakeOpenAIStep,
  findFreePort,
  startFakeOpenAI,
} from '@spool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdapterError, type GenerationRequest } from '../model-adapter.ts';
import { createOpenAIAdapter, type OpenAIAdapterOptions } from './openai-adapter.ts';

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.stop();
});

const request: GenerationRequest = {
  streamId: 'st_openaiadaptertest0001',
  messages: [{ role: 'user', content: 'Say hello' }],
  params: {},
};

function adapterFor(options: Partial<OpenAIAdapterOptions> = {}) {
  return createOpenAIAdapter({
    baseUrl: fake.baseUrl,
    apiKey: 'sk-test',
    model: 'default-model',
    byteTimeoutMs: 200,
    ...options,
  });
}

async function run(
  steps: FakeOpenAIStep[],
  { options = {}, generation = request, signal = new AbortController().signal } = {},
): Promise<NewItem[]> {
  fake.script(steps);
  const items: NewItem[] = [];
  for await (const item of adapterFor(options).generate(generation, { signal, prefix: [] })) {
    items.push(item);
  }
  return items;
}

async function failure(steps: FakeOpenAIStep[], options: Partial<OpenAIAdapterOptions> = {}) {
  const error = await run(steps, { options }).then(
    () => {
      throw new Error('expected the generation to fail');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdapterError);
  return error as AdapterError;
}

const usage = { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 };

describe('openai adapter', () => {
  it('streams text as one text block then end', async () => {
    expect(await run([{ content: 'Hel' }, { content: 'lo' }, { finish: 'stop' }])).toEqual([
      { type: 'block_start', block: 0, kind: 'text' },
      { type: 'token', block: 0, text: 'Hel' },
      { type: 'token', block: 0, text: 'lo' },
      { type: 'block_end', block: 0 },
      { type: 'end', finish_reason: 'stop' },
    ]);
  });

  it('streams reasoning then text as two blocks', async () => {
    const items = await run([{ reasoning: 'Hmm.' }, { content: 'Hi' }, { finish: 'stop' }]);
    expect(items).toEqual([
      { type: 'block_start', block: 0, kind: 'reasoning' },
      { type: 'token', block: 0, text: 'Hmm.' },
      { type: 'block_end', block: 0 },
      { type: 'block_start', block: 1, kind: 'text' },
      { type: 'token', block: 1, text: 'Hi' },
      { type: 'block_end', block: 1 },
      { type: 'end', finish_reason: 'stop' },
    ]);
  });

  it('streams two tool calls as two blocks with their arguments in pieces', async () => {
    const items = await run([
      { toolCall: { index: 0, id: 'call_a', name: 'weather', arguments: '' } },
      { toolCall: { index: 0, arguments: '{"city":' } },
      { toolCall: { index: 0, arguments: '"Oslo"}' } },
      { toolCall: { index: 1, id: 'call_b', name: 'time', arguments: '{"tz"' } },
      { toolCall: { index: 1, arguments: ':"CET"}' } },
      { finish: 'tool_calls' },
    ]);
    expect(items).toEqual([
      { type: 'block_start', block: 0, kind: 'tool_call', tool: { id: 'call_a', name: 'weather' } },
      { type: 'token', block: 0, text: '{"city":' },
      { type: 'token', block: 0, text: '"Oslo"}' },
      { type: 'block_end', block: 0 },
      { type: 'block_start', block: 1, kind: 'tool_call', tool: { id: 'call_b', name: 'time' } },
      { type: 'token', block: 1, text: '{"tz"' },
      { type: 'token', block: 1, text: ':"CET"}' },
      { type: 'block_end', block: 1 },
      { type: 'end', finish_reason: 'tool_calls' },
    ]);
  });

  it('reports usage after the last block and before end', async () => {
    const items = await run([{ content: 'a' }, { finish: 'stop' }, { usage }]);
    expect(items.slice(-3)).toEqual([
      { type: 'block_end', block: 0 },
      { type: 'usage', ...usage },
      { type: 'end', finish_reason: 'stop' },
    ]);
  });

  it('ends with length when the upstream stops at max_tokens', async () => {
    const items = await run([{ content: 'a' }, { finish: 'length' }]);
    expect(items.at(-1)).toEqual({ type: 'end', finish_reason: 'length' });
  });

  it('fails with a retryable upstream_error on HTTP 500', async () => {
    const error = await failure([{ status: 500, body: { error: { message: 'boom' } } }]);
    expect(error).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(error.message).toBe('the upstream answered HTTP 500');
    expect(error.detail).toBe('boom');
  });

  it('fails retryable on 429 and not retryable on 400', async () => {
    expect(await failure([{ status: 429 }])).toMatchObject({ retryable: true });
    const error = await failure([{ status: 400, body: { error: { message: 'bad model' } } }]);
    expect(error).toMatchObject({ code: 'upstream_error', retryable: false });
    expect(error.message).toBe('the upstream answered HTTP 400');
  });

  it("keeps the upstream's own words out of the error's message (stored in the stream)", async () => {
    const said = 'Incorrect API key provided: sk-ab***cd (org-4f2) via llm.internal.corp:8443';
    const error = await failure([{ status: 401, body: { error: { message: said } } }]);
    expect(error.message).toBe('the upstream answered HTTP 401');
    expect(error.detail).toBe(said);
  });

  it('fails on a malformed SSE data line', async () => {
    const error = await failure([{ content: 'a' }, { malformed: 'not json' }]);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe('malformed SSE data from the upstream');
    expect(error.detail).toBe('not json');
  });

  it('fails when the upstream cuts the stream mid-way', async () => {
    const error = await failure([{ content: 'a' }, { cut: true }]);
    expect(error).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(error.message).toContain('broke mid-stream');
  });

  it('fails with upstream_timeout when the upstream stalls and closes the request', async () => {
    const started = performance.now();
    const error = await failure([{ content: 'a' }, { hang: true }]);
    expect(error).toMatchObject({ code: 'upstream_timeout', retryable: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await fake.requests[0]?.closed).toBe('client');
  });

  it('counts keepalive comments as bytes that reset the byte timer', async () => {
    const keepalives = Array.from({ length: 8 }, (): FakeOpenAIStep[] => [
      { keepalive: true },
      { sleep: 50 },
    ]).flat();
    const items = await run([...keepalives, { content: 'late' }, { finish: 'stop' }]);
    expect(items).toContainEqual({ type: 'token', block: 0, text: 'late' });
    expect(items.at(-1)).toEqual({ type: 'end', finish_reason: 'stop' });
  });

  it('stops at once on abort, throws the reason, and the upstream sees the client go', async () => {
    fake.script([{ content: 'a' }, { hang: true }]);
    const controller = new AbortController();
    const reason = new Error('cancelled by the client');
    const iterator = adapterFor()
      .generate(request, { signal: controller.signal, prefix: [] })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'block_start', block: 0, kind: 'text' });
    expect((await iterator.next()).value).toEqual({ type: 'token', block: 0, text: 'a' });
    const next = iterator.next();
    const started = performance.now();
    controller.abort(reason);
    await expect(next).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(100);
    expect(await fake.requests[0]?.closed).toBe('client');
    expect(fake.aborted).toBe(1);
  });

  it('stops at once on abort while waiting for the response', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    setTimeout(() => controller.abort(reason), 30);
    const hanging = (_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const options = { fetch: hanging as typeof fetch, byteTimeoutMs: 5_000 };
    await expect(run([], { options, signal: controller.signal })).rejects.toBe(reason);
  });

  it('closes the upstream request when the consumer stops iterating', async () => {
    fake.script([{ content: 'a' }, { hang: true }]);
    for await (const item of adapterFor().generate(request, {
      signal: new AbortController().signal,
      prefix: [],
    })) {
      if (item.type === 'token') break;
    }
    expect(await fake.requests[0]?.closed).toBe('client');
  });

  it('passes every param it does not consume through to the upstream body', async () => {
    const params = { temperature: 0.2, max_tokens: 5, seed: 7, top_p: 0.9, x_custom: 'kept' };
    await run([{ content: 'a' }], {
      generation: { ...request, params: { ...params, stream: false } },
    });
    expect(fake.requests[0]?.body).toEqual({
      ...params,
      model: 'default-model',
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('passes object- and array-valued params and tool messages through unchanged', async () => {
    const params = {
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_object' },
      stop: ['\n\n', 'END'],
      user: null,
    };
    const messages: GenerationRequest['messages'] = [
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', content: '{"celsius": 3}', tool_call_id: 'call_1' },
    ];
    await run([{ content: 'a' }], { generation: { ...request, messages, params } });
    expect(fake.requests[0]?.body).toMatchObject({ ...params, messages });
  });

  it('asks for the request model over the default one', async () => {
    await run([{ content: 'a' }], { generation: { ...request, model: 'asked-model' } });
    expect(fake.requests[0]?.body).toMatchObject({ model: 'asked-model' });
  });

  it('sends the API key as a bearer token, and no Authorization without one', async () => {
    await run([{ content: 'a' }]);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    await run([{ content: 'a' }], { options: { apiKey: undefined } });
    expect(fake.requests[1]?.headers.authorization).toBeUndefined();
  });

  it('fails retryable when the upstream is unreachable', async () => {
    const port = await findFreePort();
    const error = await failure([], { baseUrl: `http://127.0.0.1:${port}/v1` });
    expect(error).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('fails with upstream_timeout when no response comes within connectTimeoutMs', async () => {
    const silent = (_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const error = await failure([], { fetch: silent as typeof fetch, connectTimeoutMs: 50 });
    expect(error).toMatchObject({ code: 'upstream_timeout', retryable: true });
  });

  it('fails when the body ends without [DONE] or a finish_reason', async () => {
    const error = await failure([], {
      fetch: answering('data: {"choices":[{"delta":{"content":"a"}}]}\n\n'),
    });
    expect(error.message).toContain('without [DONE] or a finish_reason');
  });

  it('completes when the body ends after a finish_reason without [DONE]', async () => {
    const body = 'data: {"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}\n\n';
    const items = await run([], { options: { fetch: answering(body) } });
    expect(items.at(-1)).toEqual({ type: 'end', finish_reason: 'stop' });
  });

  it('fails when the upstream answers JSON instead of a stream', async () => {
    const json = async () => Response.json({ choices: [] });
    const error = await failure([], { fetch: json as typeof fetch });
    expect(error.message).toBe('the upstream did not answer with an event stream');
  });

  it('cannot continue a prefix', async () => {
    const adapter = adapterFor();
    expect(adapter.canContinue(request)).toBe(false);
    const prefix = [{ type: 'token' as const, offset: 0, block: 0, text: 'a' }];
    const iterator = adapter.generate(request, { signal: new AbortController().signal, prefix });
    await expect(iterator[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'continuation_mismatch',
    });
  });
});

/** A `fetch` that answers this SSE text at once and ends the body. */
function answering(text: string): typeof fetch {
  return (async () =>
    new Response(text, { headers: { 'content-type': 'text/event-stream' } })) as typeof fetch;
}
