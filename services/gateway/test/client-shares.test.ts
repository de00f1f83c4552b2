/**
 * Per-client shares of the connection limit with access control on: a client is its API key
 * (`request.spoolClient`, set by the access hook), not its address — two keys on one address
 * each get their share.
 */
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdefghi';
const redis = redisPerFile();
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), {
    SPOOL_API_KEYS: `alice:${ALICE},bob:${BOB}`,
    SPOOL_ID_SECRET: 'shares-id-secret-0123456789abcdefghijklmnop',
    SPOOL_TOKEN_SECRET: 'shares-token-secret-0123456789abcdefghijk',
    SPOOL_MAX_CONNECTIONS_PER_CLIENT: '1',
  });
});
afterAll(async () => {
  await gateway.drain();
});

/** Opens `/v1/ws` with `key`: the socket, or the status of a refused upgrade. */
function open(key: string): Promise<WebSocket | number> {
  const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/v1/ws`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

describe('per-client connection shares with API keys', () => {
  it('counts connections per key, not per address', async () => {
    const first = await open(ALICE);
    expect(first).toBeInstanceOf(WebSocket);
    try {
      expect(await open(ALICE)).toBe(429);
      const other = await open(BOB);
      expect(other).toBeInstanceOf(WebSocket);
      (other as WebSocket).close();
    } finally {
      (first as WebSocket).close();
    }
  });
});
