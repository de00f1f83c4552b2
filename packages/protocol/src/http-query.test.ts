import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from './errors.ts';
import {
  encodeItemsQuery,
  encodeSseEventsQuery,
  type ItemsQuery,
  type SseEventsQuery,
} from './http-query.ts';
import { decodeItemsQuery, decodeSseEventsQuery } from './http-query-schemas.ts';
import { DEFAULT_ITEMS_LIMIT, MAX_ITEMS_LIMIT, MAX_WINDOW } from './limits.ts';
import type { Result } from './protocol-error.ts';
import { chunkingArbitrary, offsetArbitrary, subscriptionIdArbitrary } from './test-arbitraries.ts';

/** A query string as a router hands it to a route: parameter → value. */
function parameters(search: string): Record<string, string> {
  expect(search === '' || search.startsWith('?')).toBe(true);
  return Object.fromEntries(new URLSearchParams(search.slice(1)));
}

/** The code and message of a refusal, or the value. */
function outcome<T>(result: Result<T>): T | [ErrorCode, string] {
  return result.ok ? result.value : [result.error.code, result.error.message];
}

const subscription = 'sub_AAAAAAAAAAAAAAAAAAAAAA';

const sseEventsQueryArbitrary: fc.Arbitrary<SseEventsQuery> = fc
  .record(
    {
      start: fc.oneof(
        fc.record({ from: offsetArbitrary }, { noNullPrototype: true }),
        fc.record({ subscription: subscriptionIdArbitrary }, { noNullPrototype: true }),
        fc.constant({}),
      ),
      format: fc.constantFrom('spool' as const, 'openai' as const),
      chunking: chunkingArbitrary,
      includeUsage: fc.boolean(),
      window: fc.integer({ min: 1, max: MAX_WINDOW }),
    },
    { requiredKeys: ['start', 'format'], noNullPrototype: true },
  )
  .map(({ start, ...rest }) => ({ ...start, ...rest }));

const itemsQueryArbitrary: fc.Arbitrary<ItemsQuery> = fc.record(
  {
    from: offsetArbitrary,
    limit: fc.integer({ min: 1, max: MAX_ITEMS_LIMIT }),
    block: offsetArbitrary,
  },
  { requiredKeys: ['limit'], noNullPrototype: true },
);

describe('the events query', () => {
  it('decodes what it encodes, for any valid query', () => {
    fc.assert(
      fc.property(sseEventsQueryArbitrary, (query) => {
        const search = encodeSseEventsQuery(query);
        expect(decodeSseEventsQuery(parameters(search))).toStrictEqual({ ok: true, value: query });
      }),
    );
  });

  it.each([
    [{}, ''],
    [{ from: 7 }, '?from=7'],
    [{ subscription }, `?subscription=${subscription}`],
    [{ from: 0, chunking: 'token' as const }, '?from=0&chunking=token'],
    [
      { subscription, chunking: { maxItems: 8, maxDelayMs: 20 } },
      `?subscription=${subscription}&chunk_items=8&chunk_delay_ms=20`,
    ],
    [{ format: 'spool' as const }, ''],
    [{ format: 'openai' as const, includeUsage: false }, '?format=openai&include_usage=false'],
  ])('encodes %j as %s', (query, search) => {
    expect(encodeSseEventsQuery(query)).toBe(search);
  });

  it.each<[string, Record<string, unknown>, SseEventsQuery | [ErrorCode, string]]>([
    ['nothing', {}, { format: 'spool' }],
    ['chunk_delay_ms alone, ignored', { chunk_delay_ms: '5' }, { format: 'spool' }],
    [
      'chunk_items over chunking, the delay 0 by default',
      { chunking: 'token', chunk_items: '16' },
      { format: 'spool', chunking: { maxItems: 16, maxDelayMs: 0 } },
    ],
    [
      'numbers as Number reads them',
      { chunk_items: ' 8 ', chunk_delay_ms: '1e3' },
      { format: 'spool', chunking: { maxItems: 8, maxDelayMs: 1_000 } },
    ],
    ['unknown parameters, dropped', { token: 'x', from: '3' }, { format: 'spool', from: 3 }],
    [
      'from and subscription',
      { from: '1', subscription },
      ['invalid_request', 'query: give from or subscription, not both'],
    ],
    [
      'both, and a bad chunk_items: the resume part is checked first',
      { from: '1', subscription, chunk_items: '0' },
      ['invalid_request', 'query: give from or subscription, not both'],
    ],
    ['a bad from', { from: '-1' }, ['invalid_offset', 'from: expected a non-negative integer']],
    [
      'a bad subscription',
      { subscription: 'sub_' },
      ['invalid_subscription_id', 'subscription: not a valid subscription id'],
    ],
    [
      'chunk_items 0',
      { chunk_items: '0' },
      ['invalid_request', 'chunk_items: Too small: expected number to be >=1'],
    ],
    [
      'chunk_items over the limit',
      { chunk_items: '4097' },
      ['invalid_request', 'chunk_items: Too big: expected number to be <=4096'],
    ],
    [
      'chunk_delay_ms over the limit',
      { chunk_delay_ms: '10001' },
      ['invalid_request', 'chunk_delay_ms: Too big: expected number to be <=10000'],
    ],
    [
      'an unknown chunking',
      { chunking: 'huge' },
      ['invalid_request', 'chunking: Invalid option: expected one of "token"|"adaptive"'],
    ],
    [
      'include_usage not a boolean',
      { include_usage: 'yes' },
      ['invalid_request', 'include_usage: Invalid option: expected one of "true"|"false"'],
    ],
    [
      'a window of 0',
      { window: '0' },
      ['invalid_request', 'window: Too small: expected number to be >=1'],
    ],
    [
      'a window over the limit',
      { window: '65537' },
      ['invalid_request', 'window: Too big: expected number to be <=65536'],
    ],
    [
      'a window that is no integer',
      { window: '1e3' },
      ['invalid_request', 'window: expected an integer from 1 to 65536'],
    ],
    [
      'a repeated parameter',
      { chunking: ['token', 'adaptive'] },
      ['invalid_request', 'chunking: Invalid option: expected one of "token"|"adaptive"'],
    ],
  ])('decodes %s', (_name, query, expected) => {
    expect(outcome(decodeSseEventsQuery(query))).toStrictEqual(expected);
  });
});

describe('the items query', () => {
  it('decodes what it encodes, for any valid query', () => {
    fc.assert(
      fc.property(itemsQueryArbitrary, (query) => {
        const search = encodeItemsQuery(query);
        expect(decodeItemsQuery(parameters(search))).toStrictEqual({ ok: true, value: query });
      }),
    );
  });

  it('encodes the parameters that are set, in a fixed order', () => {
    expect(encodeItemsQuery({})).toBe('');
    expect(encodeItemsQuery({ block: 1, limit: 1_000, from: 0 })).toBe(
      '?from=0&limit=1000&block=1',
    );
  });

  it('takes the default limit when none is given', () => {
    expect(decodeItemsQuery({})).toStrictEqual({ ok: true, value: { limit: DEFAULT_ITEMS_LIMIT } });
  });

  it.each([
    [{ limit: '0' }, ['invalid_request', 'limit: Too small: expected number to be >=1']],
    [{ limit: '1001' }, ['invalid_request', 'limit: Too big: expected number to be <=1000']],
    [{ limit: '10000' }, ['invalid_request', 'limit: expected an integer from 1 to 1000']],
    [{ block: 'x' }, ['invalid_request', 'block: expected a non-negative integer']],
  ])('refuses %j', (query, expected) => {
    expect(outcome(decodeItemsQuery(query))).toStrictEqual(expected);
  });
});
