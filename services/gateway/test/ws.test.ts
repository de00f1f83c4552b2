import type { Item } from '@spool/protocol';
import { connectWs, streamView } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { newStreamId, type RedisTokenLog } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_CASES, rowEpoch, shortLivedLog } from './resume-contract.ts';
import { answer, startTestGateway, storedStream, type TestGateway } from './support.ts';

const redis = redisPerFile();
let gateway: TestGateway;
let shortLived: RedisTokenLog;
let closeShortLived: () => Promise<void>;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), {
    SPOOL_STALL_TIMEOUT_MS: '5m',
    SPOOL_WS_MAX_STREAMS: '5',
    SPOOL_WS_MAX_FRAME_BYTES: '1024',
    SPOOL_WS_MAX_PAYLOAD_BYTES: '65536',
  });
  ({ log: shortLived, close: closeShortLived } = shortLivedLog(redis()));
});
afterAll(async () => {
  await gateway.drain();
  await closeShortLived();
});

const textOf = (items: Item[]) =>
  items.map((item) => (item.type === 'token' ? item.text : '')).join('');

describe('WebSocket delivery', () => {
  it('multiplexes streams with their own windows: a stalled one gets exactly its window', async () => {
    const [fast, other, stalled] = await Promise.all([
      storedStream(gateway.log, answer(2_000)),
      storedStream(gateway.log, answer(1_500)),
      storedStream(gateway.log, answer(2_000)),
    ]);
    const client = await connectWs(gateway.url);
    client.send({ type: 'subscribe', stream: fast, from: 0, window: 64 });
    client.send({ type: 'subscribe', stream: other, from: 0, window: 500 });
    client.send({ type: 'subscribe', stream: stalled, from: 0, window: 37 });
    // Ack what arrives on the first two streams; never on the third.
    const acked = new Map<string, number>();
    client.socket.on('message', () => {
      for (const stream of [fast, other]) {
        const offsets = streamView(client.frames, stream).offsets;
        const next = (offsets.at(-1) ?? -1) + 1;
        if (next > (acked.get(stream) ?? 0)) {
          acked.set(stream, next);
          client.send({ type: 'ack', stream, offset: next });
        }
      }
    });
    await client.waitFor(
      (frames) => streamView(frames, fast).ended && streamView(frames, other).ended,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streamView(client.frames, fast).offsets).toEqual(
      Array.from({ length: 2_003 }, (_, index) => index),
    );
    expect(streamView(client.frames, other).offsets).toHaveLength(1_503);
    expect(streamView(client.frames, stalled).offsets).toEqual(
      Array.from({ length: 37 }, (_, index) => index),
    );
    client.close();
  });

  it('resends a range and a whole block with the same text as the items endpoint', async () => {
    const streamId = await storedStream(gateway.log, answer(50));
    const client = await connectWs(gateway.url);
    client.send({ type: 'subscribe', stream: streamId, from: 0 });
    await client.waitFor((frames) => streamView(frames, streamId).ended);
    const before = client.frames.length;
    client.send({ type: 'resend', stream: streamId, from: 10, to: 20 });
    await client.waitFor(
      (frames) => streamView(frames.slice(before), streamId).offsets.at(-1) === 19,
    );
    const range = streamView(client.frames.slice(before), streamId);
    const http = await fetch(`${gateway.url}/v1/streams/${streamId}/items?from=10&limit=10`);
    expect(range.text).toBe(textOf(((await http.json()) as { items: Item[] }).items));
    const mark = client.frames.length;
    client.send({ type: 'resend', stream: streamId, block: 0 });
    await client.waitFor(
      (frames) => streamView(frames.slice(mark), streamId).offsets.at(-1) === 51,
    );
    const block = streamView(client.frames.slice(mark), streamId);
    const blockHttp = await fetch(`${gateway.url}/v1/streams/${streamId}/items?block=0&limit=1000`);
    expect(block.text).toBe(textOf(((await blockHttp.json()) as { items: Item[] }).items));
    expect(block.offsets).toEqual(Array.from({ length: 52 }, (_, index) => index));
    client.close();
  });

  it('answers malformed and oversized frames with errors while other streams keep going', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const client = await connectWs(gateway.url);
    client.send({ type: 'subscribe', stream: streamId, from: 0, window: 1_000 });
    await client.waitFor((frames) => streamView(frames, streamId).subscribed !== undefined);
    client.sendRaw('{not json');
    client.sendRaw(
      JSON.stringify({ type: 'subscribe', stream: streamId, from: 'x'.repeat(2_000) }),
    );
    client.send({ type: 'ack', stream: 'st_nope', offset: 1 });
    client.send({ type: 'teleport', stream: streamId });
    client.send({ type: 'ack', stream: newStreamId(), offset: 1 });
    client.send({ type: 'subscribe', stream: streamId, from: 0 });
    await client.waitFor((frames) => frames.filter((frame) => frame.kind === 'error').length >= 6);
    const codes = client.frames.flatMap((frame) =>
      frame.kind === 'error' ? [frame.error.code] : [],
    );
    expect(codes).toEqual([
      'invalid_frame',
      'payload_too_large',
      'invalid_stream_id',
      'invalid_frame',
      'not_subscribed',
      'already_subscribed',
    ]);
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answer(30) });
    await client.waitFor((frames) => streamView(frames, streamId).ended);
    expect(streamView(client.frames, streamId).offsets).toHaveLength(33);
    client.close();
  });

  it('closes the socket with 1009 for a frame over the hard payload limit', async () => {
    const client = await connectWs(gateway.url);
    client.sendRaw('x'.repeat(70_000));
    expect((await client.closed).code).toBe(1009);
  });

  it('answers a GET without an upgrade with 400 invalid_request in Spool’s shape', async () => {
    const response = await fetch(`${gateway.url}/v1/ws?heartbeat=true`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}$/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/WebSocket upgrade/);
  });

  it('bounds the streams per socket', async () => {
    const client = await connectWs(gateway.url);
    const ids = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const id = newStreamId();
        await gateway.log.create({ id });
        return id;
      }),
    );
    for (const stream of ids) client.send({ type: 'subscribe', stream, from: 0 });
    await client.waitFor((frames) => frames.some((frame) => frame.kind === 'error'));
    expect(client.frames.find((frame) => frame.kind === 'error')).toMatchObject({
      error: { code: 'too_many_subscriptions', stream: ids[5] },
    });
    client.close();
  });

  it('cancels a stream and delivers its end', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const client = await connectWs(gateway.url);
    client.send({ type: 'subscribe', stream: streamId, from: 0 });
    client.send({ type: 'cancel', stream: streamId });
    await client.waitFor((frames) => streamView(frames, streamId).ended);
    expect(streamView(client.frames, streamId).chunks).toEqual([
      { kind: 'control', item: { type: 'end', offset: 0, finish_reason: 'cancelled' } },
    ]);
    client.close();
  });

  it('resumes a durable subscription on another gateway: unacknowledged items first, then new ones', async () => {
    const streamId = await storedStream(gateway.log, answer(40));
    const { subscription } = await gateway.log.createSubscription(streamId, 0);
    const first = await connectWs(gateway.url);
    first.send({ type: 'subscribe', stream: streamId, subscription, window: 1_000 });
    await first.waitFor((frames) => streamView(frames, streamId).ended);
    first.send({ type: 'ack', stream: streamId, offset: 15 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.close();
    const other = await startTestGateway(redis());
    const second = await connectWs(other.url);
    second.send({ type: 'subscribe', stream: streamId, subscription, window: 1_000 });
    await second.waitFor((frames) => streamView(frames, streamId).ended);
    const view = streamView(second.frames, streamId);
    expect(view.subscribed).toMatchObject({ kind: 'subscribed', from: 15, subscription });
    expect(view.offsets).toEqual(Array.from({ length: 43 - 15 }, (_, index) => 15 + index));
    second.close();
    await other.drain();
  });

  it('closes every socket with 1012 when the gateway drains', async () => {
    const other = await startTestGateway(redis());
    const client = await connectWs(other.url);
    other.app.spool.deliveries.closeAll(
      new (await import('@spool/protocol')).SpoolError('draining'),
    );
    expect((await client.closed).code).toBe(1012);
    await other.drain();
  });
});

describe('the resume contract over WebSocket', () => {
  it.each(RESUME_CASES)('resumes $name', async (row) => {
    const setup = await row.setup({ log: gateway.log, shortLived });
    const epoch = await rowEpoch(row, gateway.log, setup.streamId);
    const client = await connectWs(gateway.url);
    const from = 'from' in row.resume ? row.resume.from : row.resume.lastEventId;
    const epochField = epoch === undefined ? '' : `,"epoch":${JSON.stringify(epoch)}`;
    client.sendRaw(
      `{"type":"subscribe","stream":"${setup.streamId}","from":${JSON.stringify(/^\d+$/.test(String(from)) ? Number(from) : from)}${epochField}}`,
    );
    if (setup.afterConnect) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await setup.afterConnect();
    }
    await client.waitFor((frames) => {
      const view = streamView(frames, setup.streamId);
      return (
        view.ended ||
        view.errors.length > 0 ||
        (view.subscribed?.kind === 'subscribed' && view.subscribed.complete) ||
        frames.some((frame) => frame.kind === 'error')
      );
    });
    const view = streamView(client.frames, setup.streamId);
    if ('offsets' in row.expect) {
      expect(view.offsets).toEqual(row.expect.offsets);
    } else if ('nothingLeft' in row.expect) {
      expect(view.subscribed).toMatchObject({ complete: true });
      expect(view.offsets).toEqual([]);
    } else {
      const error = client.frames.find((frame) => frame.kind === 'error');
      expect(error).toMatchObject({ error: { code: row.expect.error } });
    }
    client.close();
  });
});
