/**
 * The gRPC service `spool.v1.TokenStream` of a gateway in this process, with the official
 * grpc-js client over a real HTTP/2 connection and a real Redis. No worker runs: tests append
 * the items themselves.
 */
import { type ClientDuplexStream, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { ClientFrame, ServerFrame__Output, TokenStreamClient } from '@spool/grpc';
import type { Item } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answer,
  grpcClientOf,
  liveStream,
  startTestGateway,
  storedItems,
  storedStream,
  type TestGateway,
} from './support.ts';

const redis = redisPerFile();
let gateway: TestGateway;
let client: TokenStreamClient;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), { SPOOL_GRPC_PORT: '0' });
  client = grpcClientOf(gateway);
});
afterAll(async () => {
  client?.close();
  await gateway.drain();
});

/** Every frame of a `Read` call, and how it ended. */
function read(request: { stream: string; from?: number; window?: number; epoch?: string }) {
  return new Promise<{ frames: ServerFrame__Output[]; error: ServiceError | undefined }>(
    (resolve) => {
      const frames: ServerFrame__Output[] = [];
      const call = client.Read(request);
      call.on('data', (frame: ServerFrame__Output) => frames.push(frame));
      call.on('error', (error: ServiceError) => resolve({ frames, error }));
      call.on('end', () => resolve({ frames, error: undefined }));
    },
  );
}

/** The text of the token chunks among the frames. */
function textOf(frames: ServerFrame__Output[]): string {
  return frames.map((frame) => frame.chunk?.tokens?.text ?? '').join('');
}

function tokenText(items: Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

/** The offsets the chunks cover, in order: each item once means `[from, …, end)`. */
function offsetsOf(frames: ServerFrame__Output[]): number[] {
  return frames.flatMap((frame) => {
    const chunk = frame.chunk;
    if (!chunk) return [];
    return Array.from({ length: chunk.to - chunk.from }, (_, index) => chunk.from + index);
  });
}

function spoolCode(error: ServiceError | undefined): unknown {
  return error?.metadata.get('spool-code')[0];
}

describe('gRPC Create', () => {
  it('creates a stream as POST /v1/streams does, idempotent by key', async () => {
    const create = (request: object) =>
      new Promise<{ id: string; status: string }>((resolve, reject) =>
        client.Create(request, (error, answer) =>
          error ? reject(error) : resolve(answer as never),
        ),
      );
    const request = {
      prompt: 'Hello',
      params: { fields: { max_tokens: { numberValue: 5 }, tools: { boolValue: true } } },
      idempotency_key: 'grpc-key-1',
    };
    const first = await create(request);
    expect(first.id).toMatch(/^st_/);
    expect(first.status).toBe('queued');
    expect((await create(request)).id).toBe(first.id);
    const meta = await gateway.log.meta(first.id);
    expect(meta.status).toBe('queued');
    const refused = await create({ model: 'x' }).catch((error: ServiceError) => error);
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(spoolCode(refused as ServiceError)).toBe('invalid_request');
  });
});

describe('gRPC Read', () => {
  it('streams a stored stream to its end, and resumes from any offset with each item once', async () => {
    const items = answer(40);
    const streamId = await storedStream(gateway.log, items);
    const whole = await read({ stream: streamId });
    expect(whole.error).toBeUndefined();
    expect(textOf(whole.frames)).toBe(tokenText(await storedItems(gateway.log, streamId)));
    expect(offsetsOf(whole.frames)).toEqual(items.map((_, offset) => offset));
    expect(whole.frames.at(-1)?.chunk?.end?.finish_reason).toBe('stop');
    const resumed = await read({ stream: streamId, from: 17 });
    expect(offsetsOf(resumed.frames)).toEqual(items.slice(17).map((_, index) => 17 + index));
    const { epoch } = await gateway.log.meta(streamId);
    expect(whole.frames[0]?.subscribed).toEqual({
      stream: streamId,
      from: 0,
      subscription: '',
      complete: false,
      epoch,
    });
    const atEnd = await read({ stream: streamId, from: items.length, epoch });
    expect(atEnd.error).toBeUndefined();
    expect(atEnd.frames.map((frame) => frame.subscribed?.complete)).toEqual([true]);
    const badEpoch = await read({ stream: streamId, from: 3, epoch: 'not an epoch!' });
    expect(spoolCode(badEpoch.error)).toBe('invalid_request');
  });

  it('follows a live stream as it is appended', async () => {
    const items = answer(60);
    const live = await liveStream(gateway.log, items, { batch: 3, everyMs: 5 });
    const result = await read({ stream: live.streamId, window: 8 });
    await live.done;
    expect(offsetsOf(result.frames)).toEqual(items.map((_, offset) => offset));
  });

  it('stops at what HTTP/2 flow control lets through while the client does not read', async () => {
    const total = 40_000;
    const streamId = await storedStream(gateway.log, answer(total), 500);
    const sent = async () => {
      const metric = await gateway.app.spool.metrics.itemsSent.get();
      return metric.values.find((value) => value.labels.transport === 'grpc')?.value ?? 0;
    };
    const before = await sent();
    const offsets: number[] = [];
    const call = client.Read({ stream: streamId, window: 64 });
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.on('data', (frame: ServerFrame__Output) => {
      offsetsOf([frame]).forEach((offset) => {
        offsets.push(offset);
      });
      if (offsets.length === 1) call.pause();
    });
    // It must come to rest: two samples 300 ms apart agree (a loaded machine may take a while).
    let whilePaused = -1;
    for (let tries = 0; tries < 30; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = (await sent()) - before;
      if (now === whilePaused) break;
      whilePaused = now;
    }
    expect((await sent()) - before).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(total / 2); // HTTP/2's windows hold some KB, not the stream
    call.resume();
    await ended;
    expect(offsets).toEqual(Array.from({ length: total + 3 }, (_, offset) => offset));
  });

  it('refuses a bad id, an unknown stream and an offset past the end with their statuses', async () => {
    const bad = await read({ stream: 'nope' });
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(spoolCode(bad.error)).toBe('invalid_stream_id');
    const unknown = await read({ stream: 'st_AAAAAAAAAAAAAAAAAAAAAA' });
    expect(unknown.error?.code).toBe(status.NOT_FOUND);
    expect(spoolCode(unknown.error)).toBe('stream_not_found');
    const streamId = await storedStream(gateway.log, answer(3));
    const past = await read({ stream: streamId, from: 99 });
    expect(past.error?.code).toBe(status.OUT_OF_RANGE);
    expect(spoolCode(past.error)).toBe('offset_out_of_range');
  });
});

describe('gRPC Connect', () => {
  /** A Connect call whose frames are collected; `until` resolves when a frame matches. */
  function connect() {
    const frames: ServerFrame__Output[] = [];
    const waiters: { test: (frame: ServerFrame__Output) => boolean; resolve: () => void }[] = [];
    const call: ClientDuplexStream<ClientFrame, ServerFrame__Output> = client.Connect(
      new Metadata(),
    );
    call.on('data', (frame: ServerFrame__Output) => {
      frames.push(frame);
      for (const waiter of [...waiters]) {
        if (waiter.test(frame)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
    call.on('error', () => {});
    const until = (test: (frame: ServerFrame__Output) => boolean) =>
      frames.some(test)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ test, resolve }));
    return { call, frames, until };
  }

  it('multiplexes streams with windows and acks, resends a block, and keeps going past a bad frame', async () => {
    const first = answer(30);
    const second = answer(20, 'length');
    const a = await storedStream(gateway.log, first);
    const b = await storedStream(gateway.log, second);
    const { call, frames, until } = connect();
    const ofStream = (stream: string) => frames.filter((frame) => frame.chunk?.stream === stream);
    // Acknowledge every chunk as it comes, as an app that consumed it would.
    call.on('data', (frame: ServerFrame__Output) => {
      if (frame.chunk) call.write({ ack: { stream: frame.chunk.stream, offset: frame.chunk.to } });
    });
    call.write({ subscribe: { stream: a, from: 0, window: 4, chunking: 'token' } });
    call.write({ subscribe: { stream: 'not-a-stream' } });
    call.write({ subscribe: { stream: b, from: 5, window: 4 } });
    await until((frame) => frame.chunk?.stream === a && frame.chunk.end != null);
    await until((frame) => frame.chunk?.stream === b && frame.chunk.end != null);
    expect(frames.find((frame) => frame.subscribed?.stream === a)?.subscribed).toMatchObject({
      from: 0,
      complete: false,
      epoch: (await gateway.log.meta(a)).epoch,
    });
    expect(frames.find((frame) => frame.error)?.error).toMatchObject({ code: 'invalid_stream_id' });
    expect(offsetsOf(ofStream(a))).toEqual(first.map((_, offset) => offset));
    expect(offsetsOf(ofStream(b))).toEqual(second.slice(5).map((_, index) => 5 + index));
    // Token chunking: one token per chunk on stream a.
    expect(
      ofStream(a).every((frame) => frame.chunk && frame.chunk.to - frame.chunk.from === 1),
    ).toBe(true);
    const before = frames.length;
    call.write({ resend: { stream: a, block: 0 } });
    await until((frame) => frames.indexOf(frame) >= before && frame.chunk?.block_end != null);
    const resent = frames.slice(before);
    expect(offsetsOf(resent)).toEqual(first.slice(0, first.length - 1).map((_, offset) => offset));
    call.end();
  });

  it('ends every call with UNAVAILABLE (draining) when its gateway drains', async () => {
    const other = await startTestGateway(redis(), { SPOOL_GRPC_PORT: '0' });
    const otherClient = grpcClientOf(other);
    const live = await liveStream(other.log, answer(400), { batch: 1, everyMs: 10 });
    const ended = new Promise<ServiceError>((resolve) => {
      const call = otherClient.Read({ stream: live.streamId });
      call.on('data', () => {});
      call.on('error', resolve);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await other.drain();
    const error = await ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(spoolCode(error)).toBe('draining');
    otherClient.close();
    await live.done.catch(() => {});
  });
});
