import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLUSTER_NODE_PORT, findFreePort } from './free-port.ts';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolve(true)));
  });
}

describe('findFreePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    expect(await canListen(port)).toBe(true);
  });

  it('keeps cluster ports at or below 55535 with the bus port free too', async () => {
    for (let round = 0; round < 20; round++) {
      const port = await findFreePort(CLUSTER_NODE_PORT);
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThanOrEqual(55_535);
      expect(await canListen(port + 10_000)).toBe(true);
    }
  });

  it('refuses a maximum that leaves no room', async () => {
    await expect(findFreePort({ maxPort: 1_000 })).rejects.toThrow(RangeError);
  });
});
