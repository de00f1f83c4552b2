import { createServer } from 'node:net';
import { sleep } from '@spool/runtime';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { Notifier } from './notifier.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('Notifier', () => {
  it('keeps its subscriber quiet while Redis is out of reach (the command connection says so)', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const subscriber = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      retryStrategy: () => 20,
    });
    try {
      new Notifier(subscriber);
      await sleep(300); // Several failed connects, each an `error` event.
      const unhandled = printed.mock.calls.filter((call) =>
        /Unhandled error/.test(String(call[0])),
      );
      expect(unhandled).toEqual([]);
      expect(subscriber.status).not.toBe('ready');
    } finally {
      subscriber.disconnect();
      printed.mockRestore();
    }
  });
});
