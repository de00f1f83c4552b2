/**
 * What the gateway tells clients about liveness (SSE header, `heartbeat_ms`, WebSocket heartbeat
 * frames for sockets that ask) and the SSE `?window=` of a subscription.
 */
import { decodeServerFrame, HEARTBEAT_HEADER, type ServerFrame } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { newStreamId } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { answer, readSse, startTestGateway, storedStream, type TestGateway } from './support.ts';

const redis = redisPerFile();
/** A browser page of another origin, allowed by SPOOL_CORS_ORIGINS. */
const PAGE_ORIGIN = 'https://app.example.com';
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), {
    SPOOL_HEARTBEAT_MS: '200',
    SPOOL_CORS_ORIGINS: PAGE_ORIGIN,
  });
});
afterAll(async () => {
  await gateway.drain();
});

/** Opens `/v1/ws` with `query`, subscribes to `stream` and collects frames for `forMs`. */
async function framesOf(query: string, stream: string, forMs: number): Promise<ServerFrame[]> {
  const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/v1/ws${query}`);
  const frames: ServerFrame[] = [];
  socket.on('message', (data: Buffer) => {
    const decoded = decodeServerFrame(data.toString('utf8'));
    if (decoded.ok) frames.push(decoded.frame);
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'subscribe', stream, from: 0 }));
  await new Promise((resolve) => setTimeout(resolve, forMs));
  socket.close();
  return frames;
}

describe('liveness', () => {
  it('tells the heartbeat interval in the SSE response header', async () => {
    const streamId = await storedStream(gateway.log, answer(3));
    const read = await readSse(`${gateway.url}/v1/streams/${streamId}/events`, {
      headers: { origin: PAGE_ORIGIN },
    });
    expect(read.headers[HEARTBEAT_HEADER.toLowerCase()]).toBe('200');
    // A browser page of an allowed origin may read it (CORS).
    expect(read.headers['access-control-expose-headers']).toContain(HEARTBEAT_HEADER.toLowerCase());
  });

  it('sends heartbeat frames to a quiet socket that asks, with the interval', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const frames = await framesOf('?heartbeat=true', streamId, 900);
    expect(frames[0]).toMatchObject({ kind: 'subscribed', heartbeatMs: 200 });
    const heartbeats = frames.filter((frame) => frame.kind === 'heartbeat');
    // One per 200–300 ms of quiet after the subscribed frame.
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats[0]).toEqual({ kind: 'heartbeat', heartbeatMs: 200 });
  });

  it('sends no heartbeat frame to a socket that did not ask', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const frames = await framesOf('', streamId, 700);
    expect(frames).toEqual([
      expect.objectContaining({ kind: 'subscribed', heartbeatMs: 200, complete: false }),
    ]);
  });
});

describe('the SSE window', () => {
  it('holds a subscription to the window its request asks for', async () => {
    const streamId = await storedStream(gateway.log, answer(50));
    const created = await fetch(`${gateway.url}/v1/streams/${streamId}/subscriptions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const { subscription } = (await created.json()) as { subscription: string };
    const reading = readSse(
      `${gateway.url}/v1/streams/${streamId}/events?subscription=${subscription}&window=7&chunking=token`,
      { stopAfter: 8 },
    );
    const read = await Promise.race([
      reading,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 800)),
    ]);
    // Never acknowledged: exactly 7 items, then nothing.
    expect(read).toBeUndefined();
    const all = await readSse(
      `${gateway.url}/v1/streams/${streamId}/events?subscription=${subscription}&window=7&chunking=token`,
      { stopAfter: 7 },
    );
    expect(all.messages).toHaveLength(7);
  });

  it('refuses a window out of bounds before the response starts', async () => {
    const streamId = await storedStream(gateway.log, answer(3));
    for (const window of ['0', '65537', 'many']) {
      const response = await fetch(`${gateway.url}/v1/streams/${streamId}/events?window=${window}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });
});
