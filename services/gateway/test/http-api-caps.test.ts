/**
 * Server-side caps on what a create may ask for (issue 13): bad or over-cap generation params
 * and over-long prompts are 400 before anything is stored or enqueued, on every route that
 * creates a stream.
 */
import { describe, expect, it } from 'vitest';
import { expectError, httpApiSuite } from './http-api-suite.ts';

const api = httpApiSuite();
const { call } = api;

const chat = (params: Record<string, unknown>, content = 'hi') => ({
  model: 'm',
  messages: [{ role: 'user', content }],
  ...params,
});

describe('generation caps', () => {
  it.each([
    [{ max_tokens: 2.5 }, /params\.max_tokens must be an integer/],
    [{ max_tokens: 1e12 }, /params\.max_tokens must be an integer/],
    [{ max_tokens: 32_769 }, /params\.max_tokens must be at most 32768 on this service/],
    [{ tokens_per_second: -5 }, /params\.tokens_per_second must be a number ≥ 0/],
    [{ tokens_per_second: 0 }, /unpaced generation is off/],
    [{ prefill_ms: 1e9 }, /params\.prefill_ms/],
    [{ seed: true }, /params\.seed/],
  ])('refuses params %j with 400, storing and enqueueing nothing', async (params, message) => {
    const streams = await call('POST', '/v1/streams', { body: { prompt: 'x', params } });
    expect(expectError(streams, 400, 'invalid_request')).toMatch(message);
    const completions = await call('POST', '/v1/chat/completions', { body: chat(params) });
    expect(completions.statusCode).toBe(400);
    expect(completions.body).toMatch(message);
    expect(await api.streamCount()).toBe(0);
    expect(await api.waiting()).toBe(0);
  });

  it('refuses a prompt over SPOOL_MAX_PROMPT_CHARS, counting every message', async () => {
    const { app } = await api.gateway('small', { env: { SPOOL_MAX_PROMPT_CHARS: '100' } });
    const long = await call('POST', '/v1/streams', { app, body: { prompt: 'x'.repeat(101) } });
    expect(expectError(long, 400, 'invalid_request')).toMatch(/101 characters; at most 100/);
    const messages = [
      { role: 'system', content: 'x'.repeat(60) },
      { role: 'user', content: 'y'.repeat(60) },
    ];
    const split = await call('POST', '/v1/streams', { app, body: { messages } });
    expectError(split, 400, 'invalid_request');
    expect(await api.streamCount()).toBe(0);
    const fits = await call('POST', '/v1/streams', { app, body: { prompt: 'x'.repeat(100) } });
    expect(fits.statusCode).toBe(201);
  });

  it('takes tokens_per_second 0 where SPOOL_ALLOW_UNPACED=1', async () => {
    const { app } = await api.gateway('unpaced', { env: { SPOOL_ALLOW_UNPACED: '1' } });
    const body = { prompt: 'x', params: { tokens_per_second: 0, max_tokens: 5 } };
    expect((await call('POST', '/v1/streams', { app, body })).statusCode).toBe(201);
  });
});
