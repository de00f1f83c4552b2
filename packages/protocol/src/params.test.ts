import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from './errors.ts';
import { eventsQuerySchema, itemsQuerySchema } from './http-query-schemas.ts';
import { ackBodySchema, createStreamBodySchema, createSubscriptionBodySchema } from './params.ts';
import { validate } from './validate.ts';

const body = { code: 'invalid_request', subject: 'body' } as const;
const query = { code: 'invalid_request', subject: 'query' } as const;

/** The code and message of a refusal, or 'ok'. */
function outcome(result: ReturnType<typeof validate>): 'ok' | [ErrorCode, string] {
  return result.ok ? 'ok' : [result.error.code, result.error.message];
}

describe('createStreamBodySchema', () => {
  const cases: [string, unknown, 'ok' | [ErrorCode, RegExp]][] = [
    ['a prompt', { prompt: 'Hi' }, 'ok'],
    [
      'messages with params and metadata',
      {
        model: 'synthetic',
        messages: [{ role: 'user', content: 'Hi' }],
        params: { seed: 7, temperature: 0.5, stop: '\n', logprobs: false },
        metadata: { user: 'u1' },
      },
      'ok',
    ],
    ['neither messages nor prompt', {}, ['invalid_request', /^body: give exactly one/]],
    [
      'both messages and prompt',
      { prompt: 'a', messages: [{ role: 'user', content: 'b' }] },
      ['invalid_request', /^body: /],
    ],
    [
      'an unknown role',
      { messages: [{ role: 'robot', content: 'x' }] },
      ['invalid_request', /^messages\[0\]\.role: /],
    ],
    ['no messages at all', { messages: [] }, ['invalid_request', /^messages: /]],
    [
      'a nested param',
      { prompt: 'a', params: { nested: { a: 1 } } },
      ['invalid_request', /^params\.nested: /],
    ],
    [
      'an infinite param',
      { prompt: 'a', params: { x: Number.POSITIVE_INFINITY } },
      ['invalid_request', /^params\.x: /],
    ],
    [
      'a metadata number',
      { prompt: 'a', metadata: { n: 1 } },
      ['invalid_request', /^metadata\.n: /],
    ],
    [
      'a long metadata value',
      { prompt: 'a', metadata: { k: 'v'.repeat(513) } },
      ['invalid_request', /^metadata\.k: /],
    ],
    ['not an object', 'prompt', ['invalid_request', /^body: /]],
  ];
  for (const [name, value, expected] of cases) {
    it(`answers ${name}`, () => {
      const result = outcome(validate(createStreamBodySchema, value, body));
      if (expected === 'ok') expect(result).toBe('ok');
      else expect(result).toEqual([expected[0], expect.stringMatching(expected[1])]);
    });
  }

  it('bounds the number of metadata entries', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 33 }, (_, index) => [`k${index}`, 'v']),
    );
    expect(validate(createStreamBodySchema, { prompt: 'a', metadata }, body).ok).toBe(false);
  });

  it('drops __proto__ keys instead of setting a prototype', () => {
    const value = JSON.parse(
      '{"prompt":"a","metadata":{"__proto__":"x","k":"v"},"__proto__":{"p":1}}',
    );
    const result = validate(createStreamBodySchema, value, body);
    expect(result.ok && result.value.metadata).toEqual({ k: 'v' });
    expect(result.ok && Object.getPrototypeOf(result.value.metadata)).toBe(Object.prototype);
  });
});

describe('query parameters', () => {
  it('parses items queries with a default limit', () => {
    expect(validate(itemsQuerySchema, {}, query)).toEqual({ ok: true, value: { limit: 100 } });
    expect(validate(itemsQuerySchema, { from: '40', limit: '20', block: '2' }, query)).toEqual({
      ok: true,
      value: { from: 40, limit: 20, block: 2 },
    });
  });

  const refusals: [unknown, ErrorCode, RegExp][] = [
    [{ from: '-1' }, 'invalid_offset', /^from: /],
    [{ from: '1.5' }, 'invalid_offset', /^from: /],
    [{ from: '' }, 'invalid_offset', /^from: /],
    [{ from: '99999999999999999' }, 'invalid_offset', /^from: /],
    [{ from: ['1', '2'] }, 'invalid_offset', /^from: /],
    [{ limit: '0' }, 'invalid_request', /^limit: /],
    [{ limit: '1001' }, 'invalid_request', /^limit: /],
    [{ block: 'x' }, 'invalid_request', /^block: /],
  ];
  for (const [value, code, message] of refusals) {
    it(`refuses ${JSON.stringify(value)} with ${code}`, () => {
      expect(outcome(validate(itemsQuerySchema, value, query))).toEqual([
        code,
        expect.stringMatching(message),
      ]);
    });
  }

  it('parses events queries and refuses from together with subscription', () => {
    const subscription = 'sub_BBBBBBBBBBBBBBBBBBBBBB';
    expect(validate(eventsQuerySchema, { subscription }, query)).toEqual({
      ok: true,
      value: { subscription, format: 'spool' },
    });
    expect(validate(eventsQuerySchema, { from: '3', format: 'openai' }, query)).toEqual({
      ok: true,
      value: { from: 3, format: 'openai' },
    });
    expect(outcome(validate(eventsQuerySchema, { from: '1', subscription }, query))).toEqual([
      'invalid_request',
      expect.stringMatching(/^query: /),
    ]);
    expect(outcome(validate(eventsQuerySchema, { subscription: 'sub_' }, query))).toEqual([
      'invalid_subscription_id',
      expect.stringMatching(/^subscription: /),
    ]);
    expect(validate(eventsQuerySchema, { format: 'xml' }, query).ok).toBe(false);
  });

  it('reads every non-negative safe integer back from its decimal form', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (offset) => {
        expect(validate(itemsQuerySchema, { from: String(offset) }, query)).toEqual({
          ok: true,
          value: { from: offset, limit: 100 },
        });
      }),
    );
  });
});

describe('subscription bodies', () => {
  it('accepts an optional from and a required ack offset', () => {
    expect(validate(createSubscriptionBodySchema, {}, body)).toEqual({ ok: true, value: {} });
    expect(validate(createSubscriptionBodySchema, { from: 5 }, body).ok).toBe(true);
    expect(validate(ackBodySchema, { offset: 10 }, body)).toEqual({
      ok: true,
      value: { offset: 10 },
    });
    expect(outcome(validate(ackBodySchema, {}, body))).toEqual([
      'invalid_offset',
      expect.stringMatching(/^offset: /),
    ]);
  });
});
