/**
 * Access control across two gateway processes (docs/security.md): API keys, read tokens checked
 * by a gateway that did not issue them, the WebSocket's per-stream refusals and its origin check,
 * safe defaults at start, the SDK and the CLI with credentials. Quotas: access-quotas.test.ts.
 */

import { SpoolClient } from '@spool/client';
import {
  type Item,
  type ProtocolError,
  READ_TOKEN_HEADER,
  type ServerFrame,
} from '@spool/protocol';
import { connectWs, readSse } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ACCESS_ENV,
  ALICE,
  BOB,
  call,
  create,
  errorCode,
  storedStreams,
  twoGateways,
} from '../support/access.ts';
import { runCli } from '../support/cli-run.ts';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

describe('safe defaults at start', () => {
  it.each([
    [{ SPOOL_HOST: '0.0.0.0' }, /SPOOL_HOST: "0\.0\.0\.0" is not a loopback address/],
    [{ SPOOL_API_KEYS: `alice:${ALICE}` }, /SPOOL_ID_SECRET: the example value/],
    [{ ...ACCESS_ENV, SPOOL_API_KEYS: 'too-short' }, /SPOOL_API_KEYS: entry 1: a key is/],
  ])('refuses to start a gateway with %j, exit 2, naming the variable', async (env, message) => {
    const system = systemOf();
    const failure = await system.startGateway(env).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(failure)).toMatch(/exited \(2\) first/);
    expect(String(failure)).toMatch(message);
  });
});

describe('API keys and read tokens across two gateways', () => {
  it('refuses creates without a valid key (401) and stores nothing', async () => {
    const [first, second] = await twoGateways(systemOf());
    const body = { prompt: 'Hello.' };
    for (const url of [first.url, second.url]) {
      const missing = await call(url, '/v1/streams', { body });
      expect([missing.status, errorCode(missing)]).toEqual([401, 'unauthorized']);
      const wrong = await call(url, '/v1/streams', {
        body,
        credential: 'not-a-key-0123456789abcdef',
      });
      expect([wrong.status, errorCode(wrong)]).toEqual([401, 'unauthorized']);
      const scheme = await call(url, '/v1/streams', {
        body,
        headers: { authorization: `Basic ${ALICE}` },
      });
      expect([scheme.status, errorCode(scheme)]).toEqual([401, 'unauthorized']);
      const chat = await call(url, '/v1/chat/completions', {
        body: { messages: [{ role: 'user', content: 'Hi' }] },
      });
      expect([chat.status, errorCode(chat)]).toEqual([401, 'unauthorized']);
      const messages = await call(url, '/v1/messages', {
        body: { max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] },
      });
      expect(messages.status).toBe(401);
    }
    expect(await storedStreams(systemOf())).toBe(0);
  });

  it('reads a stream on the other gateway with its token, and refuses no token (401), another stream’s (403), a forged one (401)', async () => {
    const [first, second] = await twoGateways(systemOf());
    const mine = await create(first.url, ALICE);
    const other = await create(first.url, ALICE);
    expect(mine.token).toMatch(/^rt1\./);
    await systemOf().waitForEnd(mine.id);

    const items = `/v1/streams/${mine.id}/items`;
    const byHeader = await call(second.url, items, { credential: mine.token });
    expect(byHeader.status).toBe(200);
    expect((byHeader.body.items as Item[]).at(-1)?.type).toBe('end');
    const byQuery = await call(second.url, `${items}?token=${encodeURIComponent(mine.token)}`);
    expect(byQuery.status).toBe(200);
    const meta = await call(second.url, `/v1/streams/${mine.id}`, { credential: mine.token });
    expect(meta.status).toBe(200);

    const none = await call(second.url, items);
    expect([none.status, errorCode(none)]).toEqual([401, 'unauthorized']);
    const head = await fetch(`${second.url}${items}`, { method: 'HEAD' });
    expect(head.status).toBe(401);
    const another = await call(second.url, items, { credential: other.token });
    expect([another.status, errorCode(another)]).toEqual([403, 'forbidden']);
    const [version, payload] = mine.token.split('.');
    const forged = await call(second.url, items, {
      credential: `${version}.${payload}.${'A'.repeat(43)}`,
    });
    expect([forged.status, errorCode(forged)]).toEqual([401, 'unauthorized']);

    // SSE, as an EventSource sends it: the token in the query.
    const events = await readSse(
      `${second.url}/v1/streams/${mine.id}/events?token=${encodeURIComponent(mine.token)}`,
    );
    expect(events.status).toBe(200);
    expect(events.raw).toMatch(/^event: end$/m);
    const refused = await readSse(`${second.url}/v1/streams/${mine.id}/events`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(refused.status).toBe(403);
  });

  it('lets the key that created a stream read and cancel it, and no other key (403)', async () => {
    const [first, second] = await twoGateways(systemOf());
    const { id } = await create(first.url, ALICE, { max_tokens: 10_000, tokens_per_second: 5 });
    const asBob = await call(second.url, `/v1/streams/${id}/items`, { credential: BOB });
    expect([asBob.status, errorCode(asBob)]).toEqual([403, 'forbidden']);
    const bobCancels = await call(second.url, `/v1/streams/${id}/cancel`, {
      method: 'POST',
      credential: BOB,
    });
    expect([bobCancels.status, errorCode(bobCancels)]).toEqual([403, 'forbidden']);
    const tokenCancels = await call(second.url, `/v1/streams/${id}/cancel`, { method: 'POST' });
    expect(tokenCancels.status).toBe(401);
    const bobSubscribes = await call(second.url, `/v1/streams/${id}/subscriptions`, {
      credential: BOB,
      body: {},
    });
    expect(bobSubscribes.status).toBe(403);
    expect((await call(second.url, `/v1/streams/${id}/items`, { credential: ALICE })).status).toBe(
      200,
    );
    const subscription = await call(second.url, `/v1/streams/${id}/subscriptions`, {
      credential: ALICE,
      body: {},
    });
    expect(subscription.status).toBe(201);
    const cancelled = await call(second.url, `/v1/streams/${id}/cancel`, {
      method: 'POST',
      credential: ALICE,
    });
    expect(cancelled.status).toBe(202);
    const items = await systemOf().waitForEnd(id);
    expect(items.at(-1)).toMatchObject({ type: 'end', finish_reason: 'cancelled' });
  });

  it('refuses an expired token (401) on the gateway that did not issue it', async () => {
    // The first gateway issues tokens for 1 s; the second checks them by their own expiry.
    const [first, second] = await twoGateways(
      systemOf(),
      { SPOOL_READ_TOKEN_TTL: '1s' },
      { SPOOL_READ_TOKEN_TTL: '24h' },
    );
    const { id, token } = await create(first.url, ALICE);
    expect((await call(second.url, `/v1/streams/${id}/items`, { credential: token })).status).toBe(
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await call(second.url, `/v1/streams/${id}/items`, { credential: token });
    expect([expired.status, errorCode(expired)]).toEqual([401, 'unauthorized']);
    expect(String((expired.body.error as { message: string }).message)).toMatch(/expired/);
    // The key that created it still reads it, and a new create answer carries a fresh token.
    expect((await call(first.url, `/v1/streams/${id}/items`, { credential: ALICE })).status).toBe(
      200,
    );
  });

  it('scopes Idempotency-Keys per API key', async () => {
    const [first, second] = await twoGateways(systemOf());
    const headers = { 'idempotency-key': 'same-key-1' };
    const alice = await create(first.url, ALICE, { max_tokens: 5 }, headers);
    const bob = await create(second.url, BOB, { max_tokens: 5 }, headers);
    expect(bob.id).not.toBe(alice.id);
    const again = await call(second.url, '/v1/streams', {
      credential: ALICE,
      body: { prompt: 'Tell me about access control.', params: { max_tokens: 5 } },
      headers,
    });
    expect([again.status, again.body.id]).toEqual([200, alice.id]);
  });

  it('answers chat completions with the read token in X-Spool-Read-Token', async () => {
    const [first, second] = await twoGateways(systemOf());
    const answer = await call(first.url, '/v1/chat/completions', {
      credential: ALICE,
      body: { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 },
    });
    expect(answer.status).toBe(200);
    const id = answer.headers.get('x-spool-stream-id') ?? '';
    const token = answer.headers.get(READ_TOKEN_HEADER) ?? '';
    expect(token).toMatch(/^rt1\./);
    expect((await call(second.url, `/v1/streams/${id}/items`, { credential: token })).status).toBe(
      200,
    );
  });
});

describe('the SDK and the CLI with credentials', () => {
  it('reads over WebSocket and SSE with a read token, and creates with an API key', async () => {
    const [first, second] = await twoGateways(systemOf());
    const owner = new SpoolClient({ baseUrl: first.url, apiKey: ALICE, WebSocket });
    const created = await owner.create({ prompt: 'Tokens.', params: { max_tokens: 30 } });
    expect(created.read_token).toMatch(/^rt1\./);
    const items = await systemOf().waitForEnd(created.id);
    for (const transport of ['ws', 'sse'] as const) {
      const reader = new SpoolClient({ baseUrl: second.url, transport, WebSocket });
      try {
        let text = '';
        for await (const chunk of reader.stream(created.id, { token: created.read_token })) {
          if (chunk.kind === 'tokens') text += chunk.text;
        }
        expect(text).toBe(items.map((item) => (item.type === 'token' ? item.text : '')).join(''));
      } finally {
        reader.close();
      }
    }
    const stranger = new SpoolClient({ baseUrl: second.url, transport: 'sse', WebSocket });
    try {
      await expect(stranger.meta(created.id)).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      stranger.close();
      owner.close();
    }
  });

  it('runs the CLI with SPOOL_API_KEY and refuses it without (exit 6, access refused)', async () => {
    const [first] = await twoGateways(systemOf());
    const cli = (args: string[], env: Record<string, string>) =>
      runCli(args, { SPOOL_URL: first.url, SPOOL_API_KEY: '', ...env });
    const refused = await cli(['create', 'Hello', '--max-tokens', '5', '--quiet'], {});
    expect([refused.code, refused.stderr]).toEqual([
      6,
      expect.stringMatching(/unauthorized|API key/),
    ]);
    const run = await cli(['create', 'Hello', '--max-tokens', '5', '--quiet'], {
      SPOOL_API_KEY: ALICE,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
  });
});

describe('WebSocket access', () => {
  it('refuses one stream with an error frame and goes on serving the others on the same socket', async () => {
    const [first, second] = await twoGateways(systemOf());
    const mine = await create(first.url, ALICE);
    const other = await create(first.url, ALICE);
    await systemOf().waitForEnd(mine.id);
    const client = await connectWs(second.url);
    try {
      client.send({ type: 'subscribe', stream: mine.id, from: 0 });
      client.send({ type: 'subscribe', stream: other.id, from: 0, token: mine.token });
      client.send({ type: 'resend', stream: mine.id, from: 0, to: 2 });
      client.send({ type: 'cancel', stream: other.id });
      await client.waitFor((frames) => errorsOf(frames).length >= 4);
      expect(
        errorsOf(client.frames)
          .map((error) => [error.stream, error.code])
          .sort(),
      ).toEqual(
        [
          [mine.id, 'unauthorized'],
          [mine.id, 'unauthorized'],
          [other.id, 'forbidden'],
          [other.id, 'unauthorized'],
        ].sort(),
      );
      client.send({ type: 'subscribe', stream: mine.id, from: 0, token: mine.token });
      await client.waitFor((frames) =>
        frames.some(
          (frame) =>
            frame.kind === 'chunk' &&
            frame.stream === mine.id &&
            frame.chunk.kind === 'control' &&
            frame.chunk.item.type === 'end',
        ),
      );
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    } finally {
      client.close();
    }
  });

  it('cancels with the creating key given on the upgrade, not with another', async () => {
    const [first, second] = await twoGateways(systemOf());
    const { id } = await create(first.url, ALICE, { max_tokens: 10_000, tokens_per_second: 5 });
    const bob = await connectWs(second.url, { headers: { authorization: `Bearer ${BOB}` } });
    const alice = await connectWs(second.url, { headers: { authorization: `Bearer ${ALICE}` } });
    try {
      bob.send({ type: 'cancel', stream: id });
      await bob.waitFor((frames) => errorsOf(frames).length > 0);
      expect(errorsOf(bob.frames)).toMatchObject([{ stream: id, code: 'forbidden' }]);
      alice.send({ type: 'cancel', stream: id });
      const items = await systemOf().waitForEnd(id);
      expect(items.at(-1)).toMatchObject({ type: 'end', finish_reason: 'cancelled' });
    } finally {
      bob.close();
      alice.close();
    }
    await expect(
      connectWs(second.url, { headers: { authorization: 'Bearer not-a-key-0123456789' } }),
    ).rejects.toThrow(/401/);
  });

  it('checks the upgrade’s Origin: same origin and SPOOL_CORS_ORIGINS pass, others get 403', async () => {
    const [first, second] = await twoGateways(systemOf(), {
      SPOOL_CORS_ORIGINS: 'https://app.example.com',
    });
    for (const gateway of [first, second]) {
      const host = new URL(gateway.url).host;
      await expect(
        connectWs(gateway.url, { headers: { origin: 'https://evil.example.com' } }),
      ).rejects.toThrow(/403/);
      for (const origin of ['https://app.example.com', `http://${host}`]) {
        const client = await connectWs(gateway.url, { headers: { origin } });
        client.close();
      }
    }
    const preflight = await fetch(`${first.url}/v1/streams`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const refused = await call(first.url, '/v1/streams', {
      credential: ALICE,
      body: { prompt: 'x' },
      headers: { origin: 'https://evil.example.com' },
    });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
  });
});

function errorsOf(frames: ServerFrame[]): ProtocolError[] {
  return frames.flatMap((frame) => (frame.kind === 'error' ? [frame.error] : []));
}
