/**
 * Quotas per API key across two gateway processes (docs/security.md): each over-quota answer is
 * `429 quota_exceeded` with `Retry-After`, counted in Redis so it holds across gateways (this
 * file also runs on a 3-master Redis Cluster: the quota scripts' keys have their own hash tag).
 */
import { connectWs } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  call,
  create,
  errorCode,
  expectEventually,
  openSse,
  openSseStatus,
  storedStreams,
  twoGateways,
} from '../support/access.ts';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

describe('quotas per API key, across gateways', () => {
  it('refuses creates past the per-minute quota with 429 and Retry-After, on either gateway', async () => {
    const [first, second] = await twoGateways(systemOf(), { SPOOL_QUOTA_CREATES_PER_MINUTE: '3' });
    await create(first.url, ALICE, { max_tokens: 2 });
    await create(second.url, ALICE, { max_tokens: 2 });
    await create(first.url, ALICE, { max_tokens: 2 });
    const before = await storedStreams(systemOf());
    for (const url of [first.url, second.url]) {
      const over = await call(url, '/v1/streams', { credential: ALICE, body: { prompt: 'x' } });
      expect([over.status, errorCode(over)]).toEqual([429, 'quota_exceeded']);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(50);
      expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    expect(await storedStreams(systemOf())).toBe(before);
    // Another key has a quota of its own.
    await create(second.url, BOB, { max_tokens: 2 });
  });

  it('refuses a stream past the running-streams quota until one ends', async () => {
    const [first, second] = await twoGateways(systemOf(), { SPOOL_QUOTA_RUNNING_STREAMS: '2' });
    const slow = { max_tokens: 10_000, tokens_per_second: 5 };
    const one = await create(first.url, ALICE, slow);
    await create(second.url, ALICE, slow);
    const over = await call(second.url, '/v1/streams', {
      credential: ALICE,
      body: { prompt: 'x', params: slow },
    });
    expect([over.status, errorCode(over)]).toEqual([429, 'quota_exceeded']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await call(first.url, `/v1/streams/${one.id}/cancel`, { method: 'POST', credential: ALICE });
    await systemOf().waitForEnd(one.id);
    await create(first.url, ALICE, { max_tokens: 2 });
  });

  it('refuses a connection past the open-connections quota, counted across gateways, until one closes', async () => {
    const [first, second] = await twoGateways(systemOf(), { SPOOL_QUOTA_CONNECTIONS: '2' });
    const { id, token } = await create(first.url, ALICE, {
      max_tokens: 10_000,
      tokens_per_second: 5,
    });
    const events = (url: string) =>
      `${url}/v1/streams/${id}/events?token=${encodeURIComponent(token)}`;
    const sse = await openSse(events(first.url));
    const socket = await connectWs(second.url, { headers: { authorization: `Bearer ${ALICE}` } });
    try {
      const over = await call(second.url, `/v1/streams/${id}/events`, { credential: token });
      expect([over.status, errorCode(over)]).toEqual([429, 'quota_exceeded']);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expect(
        connectWs(first.url, { headers: { authorization: `Bearer ${ALICE}` } }),
      ).rejects.toThrow(/429/);
      // Bob's connections are his own.
      const bob = await connectWs(first.url, { headers: { authorization: `Bearer ${BOB}` } });
      bob.close();
    } finally {
      sse.abort();
    }
    await expectEventually(async () => (await openSseStatus(events(second.url))) === 200);
    socket.close();
  });
});
