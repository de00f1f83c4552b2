import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Chunk, SpoolError } from '../src/index.ts';
import { collect, range } from './collect.ts';
import {
  answer,
  cancellableGeneration,
  gatewayPerFile,
  lengthReached,
  liveStream,
  storedItems,
  storedStream,
  textOf,
} from './gateways.ts';

const files = gatewayPerFile();
const { client } = files;

const transports = [
  { name: 'WebSocket (global)', options: { transport: 'ws' as const }, expected: 'ws' },
  {
    name: 'WebSocket (ws package, the Node 20 path)',
    options: { transport: 'ws' as const, WebSocket },
    expected: 'ws',
  },
  { name: 'SSE', options: { transport: 'sse' as const }, expected: 'sse' },
];

describe.each(transports)('reading over $name', ({ options, expected }) => {
  it('yields every stored item once, in order, and completes after end', async () => {
    const streamId = await storedStream(files.gateway.log, answer(500));
    const stream = client(options).stream(streamId);
    const read = await collect(stream);
    const stored = await storedItems(files.gateway.log, streamId);
    expect(read.offsets).toEqual(range(0, stored.length));
    expect(read.text).toBe(textOf(stored));
    expect(stream.text).toBe(textOf(stored));
    expect(read.chunks.at(-1)).toMatchObject({ kind: 'control', item: { type: 'end' } });
    expect(stream.done).toBe(true);
    expect(stream.offset).toBe(stored.length);
    expect(stream.transport).toBe(expected);
  });

  it('follows a live generation from an offset', async () => {
    const { streamId, done } = await liveStream(files.gateway.log, answer(300), {
      batch: 7,
      everyMs: 2,
    });
    await lengthReached(files.gateway.log, streamId, 40);
    const stream = client(options).stream(streamId, { from: 40 });
    const read = await collect(stream);
    await done;
    const stored = await storedItems(files.gateway.log, streamId);
    expect(read.offsets).toEqual(range(40, stored.length));
    expect(read.text).toBe(textOf(stored.slice(40)));
  });

  it('throws stream_not_found from the iterator for an unknown stream', async () => {
    const stream = client(options).stream('st_AAAAAAAAAAAAAAAAAAAAAA');
    const error = await collect(stream).catch((caught: SpoolError) => caught);
    expect(error).toMatchObject({ name: 'SpoolError', code: 'stream_not_found' });
  });

  it('throws offset_out_of_range for a start beyond the end', async () => {
    const streamId = await storedStream(files.gateway.log, answer(5));
    const error = await collect(client(options).stream(streamId, { from: 99 })).catch(
      (caught: SpoolError) => caught,
    );
    expect(error).toMatchObject({ code: 'offset_out_of_range' });
  });

  it('ends at once, with nothing, when it starts at the end of an ended stream', async () => {
    const streamId = await storedStream(files.gateway.log, answer(5));
    const stream = client(options).stream(streamId, { from: 8 });
    const ended = new Promise<string>((resolve) => stream.on('end', resolve));
    expect((await collect(stream)).chunks).toEqual([]);
    expect(stream.done).toBe(true);
    expect(await ended).toBe('stop');
  });
});

describe('auto transport', () => {
  it('uses WebSocket when it can', async () => {
    const streamId = await storedStream(files.gateway.log, answer(20));
    const stream = client().stream(streamId);
    await collect(stream);
    expect(stream.transport).toBe('ws');
  });

  it('falls back to SSE when the WebSocket constructor throws, and stays there for later streams', async () => {
    class Broken {
      constructor() {
        throw new Error('WebSockets are disabled here');
      }
    }
    const auto = client({ WebSocket: Broken });
    const streamId = await storedStream(files.gateway.log, answer(50));
    const first = auto.stream(streamId);
    const read = await collect(first);
    expect(first.transport).toBe('sse');
    expect(read.text).toBe(textOf(await storedItems(files.gateway.log, streamId)));
    const second = auto.stream(streamId, { from: 10 });
    await collect(second);
    expect(second.transport).toBe('sse');
  });

  it('falls back to SSE when sockets cannot reach the gateway while HTTP can (a blocking proxy)', async () => {
    const closedPort = new URL(files.gateway.url).port === '1' ? '2' : '1';
    class Blocked extends WebSocket {
      constructor(url: string) {
        super(url.replace(/:\d+\//, `:${closedPort}/`));
      }
    }
    const streamId = await storedStream(files.gateway.log, answer(50));
    const stream = client({ WebSocket: Blocked }).stream(streamId);
    const states: unknown[] = [];
    stream.on('state', (state) => states.push(state));
    const read = await collect(stream);
    expect(stream.transport).toBe('sse');
    expect(read.offsets).toEqual(range(0, 53));
    expect(states).toContainEqual(expect.objectContaining({ transport: 'sse', connected: true }));
  });

  it('uses SSE when the runtime has no WebSocket (Node 20 without the ws package)', async () => {
    const original = globalThis.WebSocket;
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      const streamId = await storedStream(files.gateway.log, answer(10));
      const stream = client().stream(streamId);
      await collect(stream);
      expect(stream.transport).toBe('sse');
    } finally {
      globalThis.WebSocket = original;
    }
  });
});

describe('message state and the HTTP API', () => {
  it('keeps text and blocks, and re-fetches a whole block', async () => {
    const { streamId, done } = await liveStream(
      files.gateway.log,
      [
        { type: 'block_start', block: 0, kind: 'reasoning' },
        { type: 'token', block: 0, text: 'thinking…' },
        { type: 'block_end', block: 0 },
        { type: 'block_start', block: 1, kind: 'text' },
        { type: 'token', block: 1, text: 'Hello, ' },
        { type: 'token', block: 1, text: 'world' },
        { type: 'block_end', block: 1 },
        {
          type: 'block_start',
          block: 2,
          kind: 'tool_call',
          tool: { id: 'call_1', name: 'lookup' },
        },
        { type: 'token', block: 2, text: '{"q":1}' },
        { type: 'block_end', block: 2 },
        { type: 'end', finish_reason: 'tool_calls' },
      ],
      { batch: 2, everyMs: 5 },
    );
    const spool = client();
    const stream = spool.stream(streamId);
    const ended = new Promise<string>((resolve) => stream.on('end', resolve));
    await collect(stream);
    await done;
    expect(await ended).toBe('tool_calls');
    expect(stream.text).toBe('Hello, world');
    expect(stream.blocks).toEqual([
      { index: 0, kind: 'reasoning', text: 'thinking…', complete: true },
      { index: 1, kind: 'text', text: 'Hello, world', complete: true },
      {
        index: 2,
        kind: 'tool_call',
        text: '{"q":1}',
        tool: { id: 'call_1', name: 'lookup' },
        complete: true,
      },
    ]);
    const block = await spool.block(streamId, 1);
    expect(block.map((item) => item.offset)).toEqual([3, 4, 5, 6]);
    expect(textOf(block)).toBe('Hello, world');
    const page = await spool.items(streamId, { from: 2, limit: 3 });
    expect(page).toMatchObject({ next: 5, done: false });
    expect(page.items.map((item) => item.type)).toEqual(['block_end', 'block_start', 'token']);
    expect(await spool.meta(streamId)).toMatchObject({
      id: streamId,
      status: 'done',
      length: 11,
      finish_reason: 'tool_calls',
    });
  });

  it('delivers through callbacks, the application consuming on return', async () => {
    const { streamId, done } = await liveStream(files.gateway.log, answer(200), {
      batch: 10,
      everyMs: 2,
    });
    const stream = client({ highWaterMark: 16 }).stream(streamId);
    const chunks: Chunk[] = [];
    const finish = await new Promise<string>((resolve, reject) => {
      stream.on('chunk', (chunk) => {
        expect(stream.buffered).toBeLessThanOrEqual(16);
        chunks.push(chunk);
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    await done;
    expect(finish).toBe('stop');
    expect(stream.text).toBe(textOf(await storedItems(files.gateway.log, streamId)));
    expect(chunks.at(-1)).toMatchObject({ item: { type: 'end' } });
  });

  it('creates streams idempotently and reports HTTP errors by code', async () => {
    const spool = client();
    const created = await spool.create({ prompt: 'hello', idempotencyKey: 'client-test-key-1' });
    expect(created.id).toMatch(/^st_/);
    expect(created.urls.events).toBe(`/v1/streams/${created.id}/events`);
    const again = await spool.create({ prompt: 'hello', idempotencyKey: 'client-test-key-1' });
    expect(again.id).toBe(created.id);
    const other = await spool.create({ prompt: 'hello' });
    expect(other.id).not.toBe(created.id);
    await expect(
      spool.create({ prompt: 'changed', idempotencyKey: 'client-test-key-1' }),
    ).rejects.toMatchObject({ code: 'idempotency_conflict', retryable: false });
    await expect(spool.meta('st_AAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({
      code: 'stream_not_found',
    });
  });

  it('cancels the generation; the stream still ends with end cancelled', async () => {
    const { streamId, done } = await cancellableGeneration(files.gateway.log, 3);
    const stream = client().stream(streamId);
    let cancelled: Promise<void> | undefined;
    const read = await collect(stream, {
      each: () => {
        if (stream.offset >= 20) cancelled ??= stream.cancel();
      },
    });
    await cancelled;
    const length = await done;
    expect(read.offsets).toEqual(range(0, length));
    expect(read.chunks.at(-1)).toMatchObject({ item: { type: 'end', finish_reason: 'cancelled' } });
    expect(await client().meta(streamId)).toMatchObject({ status: 'cancelled' });
  });

  it('retries a create after a network failure and a 503 with the same Idempotency-Key', async () => {
    const keys: (string | null)[] = [];
    const flaky: typeof fetch = async (input, init) => {
      keys.push(new Headers(init?.headers).get('Idempotency-Key'));
      if (keys.length === 1) throw new TypeError('fetch failed');
      if (keys.length === 2) {
        return new Response(JSON.stringify({ error: { code: 'draining', message: 'Later.' } }), {
          status: 503,
          headers: { 'Retry-After': '0' },
        });
      }
      return fetch(input, init);
    };
    const created = await client({ fetch: flaky }).create({ prompt: 'retry me' });
    expect(created.id).toMatch(/^st_/);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('failures', () => {
  it('fails the stream after maxAttempts consecutive failures when no gateway answers', async () => {
    const spool = client({
      baseUrl: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
      reconnect: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 },
    });
    const stream = spool.stream('st_AAAAAAAAAAAAAAAAAAAAAA');
    const errors: SpoolError[] = [];
    stream.on('error', (error) => errors.push(error));
    const error = await collect(stream).catch((caught: SpoolError) => caught);
    expect(error).toMatchObject({ code: 'unreachable', retryable: true });
    expect((error as SpoolError).message).toMatch(/^Gave up after 4 attempts/);
    expect(errors).toEqual([error]);
  });
});
