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
    { response: new Response('Bad Gateway', { status: 502 }), code: 'internal', retryable: true },
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
    { code: 1006, expected: 'internal', retryable: true },
    { code: 1008, expected: 'forbidden', retryable: false },
  ])('maps close $code to $expected', ({ code, expected, retryable }) => {
    expect(closeError(code)).toMatchObject({ code: expected, retryable });
  });
});
