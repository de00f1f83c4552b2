import { describe, expect, it } from 'vitest';
import { closeError, errorFromResponse, spoolError } from './errors.ts';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('errors', () => {
  it.each([
    {
      response: json(404, { error: { code: 'stream_not_found', message: 'No.' } }),
      code: 'stream_not_found',
      retryable: false,
    },
    {
      response: json(503, { error: { code: 'draining', message: 'Bye.' } }),
      code: 'draining',
      retryable: true,
    },
    {
      response: json(500, { error: { code: 'brand_new_code', message: '?' } }),
      code: 'internal',
      retryable: true,
    },
    {
      response: new Response('Bad Gateway', { status: 502 }),
      code: 'unreachable',
      retryable: true,
    },
    { response: new Response('', { status: 429 }), code: 'over_capacity', retryable: true },
    { response: new Response('nope', { status: 404 }), code: 'route_not_found', retryable: false },
  ])('maps an HTTP $response.status answer to $code', async ({ response, code, retryable }) => {
    const error = await errorFromResponse(response);
    expect(error).toMatchObject({ name: 'SpoolError', code, retryable });
  });

  it('keeps an unknown code in the details', () => {
    expect(spoolError('from_the_future', 'x').details).toEqual({ code: 'from_the_future' });
  });

  it.each([
    { code: 1012, expected: 'draining', retryable: true },
    { code: 1006, expected: 'connection_lost', retryable: true },
    { code: 1006, opened: false, expected: 'unreachable', retryable: true },
    { code: 1008, expected: 'forbidden', retryable: false },
    { code: 1008, reason: 'unauthorized', expected: 'unauthorized', retryable: false },
    { code: 1011, reason: 'redis_unavailable', expected: 'redis_unavailable', retryable: true },
    { code: 4001, expected: 'heartbeat_timeout', retryable: true },
  ])('maps close $code $reason to $expected', ({ code, opened, reason, expected, retryable }) => {
    expect(closeError(code, opened, reason)).toMatchObject({ code: expected, retryable });
  });
});
