import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.ts';

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.stop();
});

function post(body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
    ...init,
  });
}

const streamed = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };

/** The `data:` payloads and comments of an SSE body, in order. */
function events(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => (event.startsWith('data: ') ? event.slice('data: '.length) : event));
}

function parsed(text: string): Array<Record<string, unknown>> {
  return events(text)
    .filter((event) => event.startsWith('{'))
    .map((event) => JSON.parse(event) as Record<string, unknown>);
}

describe('startFakeOpenAI', () => {
  it('listens on a loopback port under /v1', () => {
    expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('streams content chunks then [DONE] as text/event-stream', async () => {
    fake.script([{ content: 'Hel' }, { content: 'lo' }, { finish: 'stop' }]);
    const response = await post(streamed);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(events(text).at(-1)).toBe('[DONE]');
    const chunks = parsed(text);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'm',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }],
    });
    expect(chunks[0]?.id).toEqual(expect.any(String));
    expect(chunks[0]?.created).toEqual(expect.any(Number));
    expect(chunks[1]).toMatchObject({ choices: [{ delta: { content: 'lo' } }] });
    expect(chunks[2]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
  });

  it('records the body and headers of each request', async () => {
    await (await post({ ...streamed, temperature: 0.3 })).text();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({ temperature: 0.3, stream: true });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
    expect(await fake.requests[0]?.closed).toBe('completed');
  });

  it('sends reasoning, tool calls and usage as OpenAI does', async () => {
    fake.script([
      { reasoning: 'think' },
      { toolCall: { index: 0, id: 'call_1', name: 'f', arguments: '{"a"' } },
      { toolCall: { index: 0, arguments: ':1}' } },
      { finish: 'tool_calls' },
      { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]);
    const response = await post({ ...streamed, stream_options: { include_usage: true } });
    const chunks = parsed(await response.text());
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { reasoning_content: 'think' } }] });
    expect(chunks[1]).toMatchObject({
      choices: [
        {
          delta: {
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'f', arguments: '{"a"' },
              },
            ],
          },
        },
      ],
    });
    expect(chunks[2]).toMatchObject({
      choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }],
    });
    expect(chunks[3]).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }], usage: null });
    expect(chunks[4]).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
  });

  it('sends keepalive comments and malformed data lines verbatim', async () => {
    fake.script([{ keepalive: true }, { malformed: 'not json' }, { done: true }]);
    const text = await (await post(streamed)).text();
    expect(text).toBe(': keepalive\n\ndata: not json\n\ndata: [DONE]\n\n');
  });

  it('answers an HTTP error instead of streaming', async () => {
    fake.script([{ status: 429 }]);
    const response = await post(streamed);
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { message: expect.any(String) } });
  });

  it('answers a given error body as text or JSON', async () => {
    fake.script([{ status: 400, body: { error: { message: 'bad model' } } }]);
    expect(await (await post(streamed)).json()).toEqual({ error: { message: 'bad model' } });
    fake.script([{ status: 503, body: 'overloaded' }]);
    expect(await (await post(streamed)).text()).toBe('overloaded');
  });

  it('refuses a status step that is not first', () => {
    expect(() => fake.script([{ content: 'a' }, { status: 500 }])).toThrow(/first step/);
  });

  it('cuts the stream without [DONE]', async () => {
    fake.script([{ content: 'a' }, { cut: true }]);
    const response = await post(streamed);
    await expect(response.text()).rejects.toThrow();
    expect(await fake.requests[0]?.closed).toBe('cut');
    expect(fake.aborted).toBe(0);
  });

  it('waits for sleep steps', async () => {
    fake.script([{ content: 'a' }, { sleep: 120 }, { content: 'b' }]);
    const started = performance.now();
    await (await post(streamed)).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('hangs until the client aborts, and counts the abort', async () => {
    fake.script([{ content: 'a' }, { hang: true }]);
    const controller = new AbortController();
    const response = await post(streamed, { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    expect(await fake.requests[0]?.closed).toBe('client');
    expect(fake.requests[0]?.closedByClient).toBe(true);
    expect(fake.aborted).toBe(1);
  });

  it('closes hanging responses on stop', async () => {
    fake.script([{ hang: true }]);
    const response = await post(streamed);
    const body = response.text();
    await fake.stop();
    await expect(body).rejects.toThrow();
    expect(await fake.requests[0]?.closed).toBe('stopped');
    expect(fake.aborted).toBe(0);
    fake = await startFakeOpenAI(); // afterEach stops it
  });

  it('lets a function script answer each request differently', async () => {
    fake.script((request) => (request.index === 0 ? [{ status: 500 }] : [{ content: 'ok' }]));
    expect((await post(streamed)).status).toBe(500);
    const chunks = parsed(await (await post(streamed)).text());
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { content: 'ok' } }] });
  });

  it('answers stream: false with one chat.completion', async () => {
    fake.script([
      { content: 'Hel' },
      { content: 'lo' },
      { toolCall: { index: 0, id: 'c', name: 'f', arguments: '{}' } },
      { finish: 'length' },
      { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
    ]);
    const response = await post({ ...streamed, stream: false });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          message: {
            role: 'assistant',
            content: 'Hello',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          finish_reason: 'length',
        },
      ],
      usage: { total_tokens: 3 },
    });
  });

  it('answers 404 on other routes', async () => {
    const response = await fetch(`${fake.baseUrl}/models`);
    expect(response.status).toBe(404);
  });
});
