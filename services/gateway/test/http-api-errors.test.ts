/**
 * Nothing internal reaches a client (issue 13): internal errors answer a generic message with the
 * request id, Redis at maxmemory is `over_capacity`, fastify's own errors come in Spool's shape
 * without echoing the input, and JSON nested thousands deep is a 400, not a stack overflow.
 */
import { connect } from 'node:net';
import { newStreamId } from '@spool/token-log';
import { describe, expect, it } from 'vitest';
import { expectError, httpApiSuite } from './http-api-suite.ts';

const api = httpApiSuite();
const { call } = api;

describe('errors that say nothing internal', () => {
  it('answers an internal failure with a generic message naming the request id', async () => {
    const streamId = newStreamId();
    const { client, keyPrefix } = api.redis;
    await client.set(`${keyPrefix}{${streamId}}:meta`, 'not a hash');
    const response = await call('GET', `/v1/streams/${streamId}`);
    const message = expectError(response, 500, 'internal');
    const requestId = String(response.headers['x-request-id']);
    expect(requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(message).toBe(
      `Internal error. The gateway's log has the details under request id ${requestId}.`,
    );
    await client.del(`${keyPrefix}{${streamId}}:meta`);
  });

  it('answers Redis at maxmemory as over_capacity, without its script or line', async () => {
    const { client } = api.redis;
    await client.config('SET', 'maxmemory', '1');
    try {
      const response = await call('POST', '/v1/streams', { body: { prompt: 'x' } });
      const message = expectError(response, 429, 'over_capacity');
      expect(message).not.toMatch(/script|OOM|user_script/);
    } finally {
      await client.config('SET', 'maxmemory', '0');
    }
  });

  it.each([
    [
      'a 10 KB path parameter',
      'GET',
      `/v1/streams/st_${'A'.repeat(10_000)}`,
      400,
      'invalid_stream_id',
    ],
    ['an unknown route', 'GET', '/v1/<script>alert(1)</script>', 404, 'route_not_found'],
    ['a path that does not decode', 'GET', '/v1/streams/%C0%AF', 400, 'invalid_request'],
  ] as const)(
    'answers %s in Spool’s shape with its request id, without echoing the path',
    async (_, method, url, status, code) => {
      const response = await call(method, url);
      const message = expectError(response, status, code);
      expect(message).not.toContain('AAAA');
      expect(message).not.toContain('script');
      expect(response.body.length).toBeLessThan(300);
      // Errors raised before routing skip the hooks: the request id must still go with them.
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
    },
  );

  it('refuses another content type, broken JSON, prototype keys and JSON nested 5,000 deep with 400', async () => {
    const xml = await call('POST', '/v1/streams', {
      body: '<prompt/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(expectError(xml, 400, 'invalid_request')).toMatch(/application\/json/);
    const broken = await call('POST', '/v1/streams', {
      body: '{"prompt": nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectError(broken, 400, 'invalid_request')).toBe('The body is not JSON.');
    for (const body of [
      '{"prompt":"x","__proto__":{"a":1}}',
      '{"prompt":"x","constructor":{"prototype":{}}}',
    ]) {
      const poisoned = await call('POST', '/v1/streams', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(expectError(poisoned, 400, 'invalid_request')).toMatch(/"__proto__" key/);
    }
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    for (const route of ['/v1/streams', '/v1/chat/completions', '/v1/messages']) {
      const response = await call('POST', route, {
        body: `{"prompt": ${deep}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/nested deeper than 64/);
    }
    expect(await api.streamCount()).toBe(0);
  });

  it.each([
    [
      'a request head over 16 KB',
      `GET /v1/streams/${'x'.repeat(20_000)} HTTP/1.1`,
      413,
      'payload_too_large',
    ],
    ['a request line that is not HTTP', 'GARBAGE', 400, 'invalid_request'],
  ] as const)(
    'answers %s (refused by Node before fastify) in Spool’s shape and closes',
    async (_, line, status, code) => {
      const { app } = await api.gateway('raw-http');
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const port = Number(new URL(address).port);
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`${line}\r\nHost: a\r\n\r\n`));
        let text = '';
        socket.on('data', (data) => {
          text += data.toString('utf8');
        });
        socket.on('close', () => resolve(text));
      });
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toMatch(/\r\nx-request-id: [0-9a-f]{16}\r\n/);
      expect(head).toMatch(/\r\nConnection: close$/m);
      expect(JSON.parse(body)).toEqual({ error: { code, message: expect.any(String) } });
    },
  );
});
