/**
 * A Redis that hangs (SIGSTOP of the redis-server process, by its PID) under a gateway process:
 * reads answer 503 `redis_unavailable` within 5 s, SSE and WebSocket deliveries at the live tail
 * end with that resumable error, and once Redis runs again (SIGCONT) both resume where they were
 * and read the stream to its end (issue 13, "fail fast").
 */
import { randomBytes } from 'node:crypto';
import { answer, connectWs, readSse, startRedisServer, streamView } from '@spool/testing';
import { newStreamId } from '@spool/token-log';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSystem } from '../support/system.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function retryUntil<T>(attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a hung Redis', () => {
  it('answers 503 within 5 s, ends deliveries with a resumable error, and resumes after', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const keyPrefix = `t:${randomBytes(6).toString('hex')}:`;
    const system = new TestSystem({
      redis: { url: server.url, keyPrefix, source: 'process', stop: () => server.stop() },
    });
    cleanups.push(() => system.stop());
    const gateway = await system.startGateway();
    const items = answer(40);
    const streamId = newStreamId();
    await system.log.create({ id: streamId });
    await system.log.append({ streamId, attempt: 1, at: 0, items: items.slice(0, 10) });

    const ws = await connectWs(gateway.url);
    cleanups.push(async () => ws.close());
    ws.send({ type: 'subscribe', stream: streamId, from: 0 });
    await ws.waitFor((frames) => streamView(frames, streamId).offsets.length === 10);
    const sse = readSse(`${gateway.url}/v1/streams/${streamId}/events`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    process.kill(server.pid, 'SIGSTOP');
    let stopped = true;
    cleanups.push(async () => {
      if (stopped) process.kill(server.pid, 'SIGCONT');
    });
    const hungAt = Date.now();
    const [meta, page] = await Promise.all([
      fetch(`${gateway.url}/v1/streams/${streamId}`),
      fetch(`${gateway.url}/v1/streams/${streamId}/items?from=0`),
    ]);
    expect([meta.status, page.status]).toEqual([503, 503]);
    expect(((await meta.json()) as { error: { code: string } }).error.code).toBe(
      'redis_unavailable',
    );
    await page.body?.cancel();
    expect(Date.now() - hungAt).toBeLessThan(5_000);

    const cut = await sse;
    expect(cut.messages.at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'redis_unavailable' },
    });
    expect(cut.lastId).toBe('10');
    await ws.waitFor((frames) =>
      streamView(frames, streamId).errors.some((error) => error.code === 'redis_unavailable'),
    );
    expect(Date.now() - hungAt).toBeLessThan(5_000);

    process.kill(server.pid, 'SIGCONT');
    stopped = false;
    await system.log.append({ streamId, attempt: 1, at: 10, items: items.slice(10) });
    const resumed = await retryUntil(async () => {
      const read = await readSse(`${gateway.url}/v1/streams/${streamId}/events`, {
        headers: { 'Last-Event-ID': String(cut.lastId) },
      });
      return read.status === 200 ? read : undefined;
    }, 10_000);
    expect(resumed.messages.at(0)).toMatchObject({ kind: 'tokens', from: 10 });
    expect(resumed.lastId).toBe(String(items.length));
    ws.send({ type: 'subscribe', stream: streamId, from: 10 });
    await ws.waitFor((frames) => streamView(frames, streamId).ended, 10_000);
    expect(streamView(ws.frames, streamId).offsets).toEqual(
      Array.from({ length: items.length }, (_, index) => index),
    );
  });
});
