/**
 * The AI SDK chat routes with API keys on: each needs a key; chats and run ids are the key's own
 * (another key's chat of the same id is another chat, another key's run id is not served).
 */
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdefghi';
const redis = redisPerFile();
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), {
    SPOOL_API_KEYS: `alice:${ALICE},bob:${BOB}`,
    SPOOL_ID_SECRET: 'aisdk-id-secret-0123456789abcdefghijklmnopq',
    SPOOL_TOKEN_SECRET: 'aisdk-token-secret-0123456789abcdefghijklm',
  });
});
afterAll(async () => {
  await gateway.drain();
});

const body = JSON.stringify({
  id: 'shared-chat',
  messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
});

function call(path: string, key: string | undefined, init: RequestInit = {}) {
  return fetch(`${gateway.url}/v1/ai-sdk/chat${path}`, {
    ...init,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
  });
}

describe('AI SDK chat with API keys', () => {
  it('refuses every route without a key, 401, and stores nothing', async () => {
    expect((await call('', undefined, { method: 'POST', body })).status).toBe(401);
    expect((await call('/shared-chat/stream', undefined)).status).toBe(401);
    expect((await call('/shared-chat/stop', undefined, { method: 'POST' })).status).toBe(401);
    expect(await gateway.log.chatStream('alice:shared-chat')).toBeUndefined();
  });

  it("keeps each key's chats and runs to itself", async () => {
    const controller = new AbortController();
    const created = await call('', ALICE, { method: 'POST', body, signal: controller.signal });
    expect(created.status).toBe(200);
    const runId = created.headers.get('x-workflow-run-id') ?? '';
    controller.abort();
    expect(await gateway.log.chatStream('alice:shared-chat')).toBe(runId);
    // Bob's chat of the same id has no stream; Alice's run id is no chat of Bob's either.
    expect((await call('/shared-chat/stream', BOB)).status).toBe(204);
    expect((await call(`/${runId}/stream`, BOB)).status).toBe(204);
    expect((await call('/shared-chat/stop', BOB, { method: 'POST' })).status).toBe(204);
    expect((await gateway.log.meta(runId)).status).toBe('queued');
    // Alice reaches both.
    const byRun = await call(`/${runId}/stream`, ALICE);
    expect(byRun.status).toBe(200);
    await byRun.body?.cancel();
    const stop = await call('/shared-chat/stop', ALICE, { method: 'POST' });
    expect(await stop.json()).toEqual({ id: runId, status: 'cancelled' });
  });
});
