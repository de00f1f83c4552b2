import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { dockerAvailable, startRedisContainer } from './docker.ts';

// Without DOCKER_HOST or the default socket, no engine can answer (true on these machines).
const noEngine = !process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock');

describe('dockerAvailable', () => {
  it('answers within a second and caches the answer', async () => {
    const startedAt = performance.now();
    const answer = await dockerAvailable();
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(typeof answer).toBe('boolean');
    expect(dockerAvailable()).toBe(dockerAvailable());
  });

  it.runIf(noEngine)('answers false when no engine is reachable', async () => {
    expect(await dockerAvailable()).toBe(false);
  });
});

describe.runIf(await dockerAvailable())(
  'startRedisContainer (skipped where no Docker engine answers)',
  () => {
    it('starts redis:7 that answers PING and refuses kill and restart', async () => {
      const container = await startRedisContainer();
      try {
        const client = new Redis(container.url, { maxRetriesPerRequest: 1 });
        expect(await client.ping()).toBe('PONG');
        client.disconnect();
        await expect(container.kill()).rejects.toThrow(/unsupported for containers/);
        await expect(container.restart()).rejects.toThrow(/unsupported for containers/);
      } finally {
        await container.stop();
      }
    });
  },
);
