/**
 * Generated requests for the read routes of docs/protocol.md section 3 — a stream's metadata,
 * its items and its events (with every query parameter and `Last-Event-ID`) — each valid by
 * construction or with one fault, and the answer the docs give it.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import { type Draft, type FuzzCase, faulted, none, ownedIndex, type Query } from './draft.ts';
import type { Fixtures } from './fixtures.ts';

function readDraft(fixtures: Fixtures, label: string, path: (id: string) => string, ok: number[]) {
  return ownedIndex(fixtures).map(
    (index): Draft => ({
      label,
      method: 'GET',
      path,
      id: fixtures.owned[index]?.id ?? '',
      query: [],
      headers: {},
      credential: { label: 'none' },
      ok,
    }),
  );
}

/** A query parameter set to `value`, with the code the field earns. */
export const param = (name: string, values: fc.Arbitrary<string>, code: ErrorCode, label = name) =>
  values.map(
    (value) =>
      (draft: Draft): Draft => ({
        ...draft,
        label: `${draft.label}: bad ${label} ${JSON.stringify(value.slice(0, 20))}`,
        query: [...draft.query, [name, value]],
        ok: [],
        codes: [code],
      }),
  );

export const notDecimal = fc.oneof(
  fc.constantFrom('', '-1', '1.5', '1e3', ' 1', '0x1', 'NaN', '12345678901234567', '١'),
  fc.string({ maxLength: 12 }).filter((text) => !/^[0-9]{1,16}$/.test(text)),
);

export function itemsCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const base = readDraft(fixtures, 'items', (id) => `/v1/streams/${id}/items`, [200]).chain(
    (draft) => {
      const length = fixtures.owned.find((owned) => owned.id === draft.id)?.length ?? 0;
      return fc
        .record(
          {
            from: fc.integer({ min: 0, max: length }),
            limit: fc.integer({ min: 1, max: 1_000 }),
            block: fc.integer({ min: 0, max: 3 }),
            junk: fc.string({ maxLength: 8 }),
          },
          { requiredKeys: [] },
        )
        .map((query) => ({
          ...draft,
          query: Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
        }));
    },
  );
  const faults = fc.oneof(
    param('from', notDecimal, 'invalid_offset'),
    param(
      'limit',
      fc.oneof(fc.constantFrom('0', '1001', '-1', '', '99999999', '1.0'), notDecimal),
      'invalid_request',
    ),
    param('block', notDecimal, 'invalid_request'),
    fc.integer({ min: 1, max: 2 ** 40 }).map((beyond) => (draft: Draft): Draft => {
      const length = fixtures.owned.find((owned) => owned.id === draft.id)?.length ?? 0;
      const query = draft.query.filter(([k]) => k !== 'from' && k !== 'block');
      return {
        ...draft,
        label: 'items: from beyond the end',
        query: [...query, ['from', String(length + beyond)]],
        ok: [],
        codes: ['offset_out_of_range'],
      };
    }),
    fc.constant(
      (draft: Draft): Draft => ({
        ...draft,
        label: 'items: repeated from',
        query: [...draft.query.filter(([k]) => k !== 'from'), ['from', '1'], ['from', '2']],
        ok: [],
        codes: ['invalid_offset'],
      }),
    ),
  );
  return faulted('read', fixtures, base, faults);
}

export function streamCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  return faulted(
    'read',
    fixtures,
    readDraft(fixtures, 'stream', (id) => `/v1/streams/${id}`, [200]),
    none,
  );
}

export function eventsCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const base = readDraft(fixtures, 'events', (id) => `/v1/streams/${id}/events`, [200, 204]).chain(
    (draft) => {
      const owned = fixtures.owned.find((each) => each.id === draft.id);
      const length = owned?.length ?? 0;
      return fc
        .record(
          {
            resume: fc.oneof(
              fc
                .integer({ min: 0, max: length })
                .map((from) => ({ query: [['from', String(from)]] as Query, headers: {} })),
              fc.integer({ min: 0, max: length }).map((from) => ({
                query: [
                  ['from', String(from)],
                  ['epoch', owned?.epoch ?? ''],
                ] as Query,
                headers: {},
              })),
              fc.integer({ min: 0, max: length }).map((from) => ({
                query: [] as Query,
                headers: { 'last-event-id': ` ${from}:${owned?.epoch} ` },
              })),
              fc.integer({ min: 0, max: length }).map((from) => ({
                query: [] as Query,
                headers: { 'last-event-id': String(from) },
              })),
              fc.constant({ query: [] as Query, headers: {} }),
              fc.constant({
                query: [['subscription', fixtures.subscription]] as Query,
                headers: {},
              }),
            ),
            format: fc.constantFrom('spool', 'openai', 'anthropic'),
            chunking: fc.constantFrom('token', 'adaptive'),
            chunk_items: fc.integer({ min: 1, max: 4_096 }),
            chunk_delay_ms: fc.integer({ min: 0, max: 20 }),
            include_usage: fc.constantFrom('true', 'false'),
            window: fc.integer({ min: 1, max: 65_536 }),
          },
          { requiredKeys: ['resume'] },
        )
        .map(({ resume, ...rest }) => ({
          ...draft,
          ...(resume.query[0]?.[0] === 'subscription' && draft.id !== fixtures.owned[0]?.id
            ? { ok: [], codes: ['subscription_not_found' as const] }
            : {}),
          headers: resume.headers,
          query: [
            ...resume.query,
            ...Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]),
          ],
        }));
    },
  );
  const reset = fc.stringMatching(/^[0-9A-Za-z_-]{1,64}$/).chain((epoch) =>
    fc.integer({ min: 1, max: 3 }).map((from) => (draft: Draft): Draft => {
      const owned = fixtures.owned.find((each) => each.id === draft.id);
      if (epoch === owned?.epoch) return draft;
      return {
        ...draft,
        label: 'events: an epoch the stream never had',
        query: [
          ['from', String(from)],
          ['epoch', epoch],
        ],
        headers: {},
        ok: [],
        codes: ['stream_reset'],
      };
    }),
  );
  const faults = fc.oneof(
    param('from', notDecimal, 'invalid_offset'),
    param(
      'epoch',
      fc.constantFrom('', 'a b', 'é', 'x'.repeat(65), '1:2', '.'),
      'invalid_offset',
    ).map((fault) => (draft: Draft) => fault({ ...draft, query: [['from', '1']] })),
    fc.constant(
      (draft: Draft): Draft => ({
        ...draft,
        label: 'events: epoch without from',
        query: [['epoch', 'abc']],
        headers: {},
        ok: [],
        codes: ['invalid_request'],
      }),
    ),
    fc.constant(
      (draft: Draft): Draft => ({
        ...draft,
        label: 'events: from and subscription',
        query: [
          ['from', '0'],
          ['subscription', fixtures.subscription],
        ],
        headers: {},
        ok: [],
        codes: ['invalid_request'],
      }),
    ),
    param(
      'subscription',
      fc.constantFrom(
        '',
        'sub_',
        'sub_x',
        'st_aaaaaaaaaaaaaaaaaaaaaa',
        'sub_aaaaaaaaaaaaaaaa!aaaa',
      ),
      'invalid_subscription_id',
    ).map((fault) => (draft: Draft) => fault({ ...draft, query: [], headers: {} })),
    param('format', fc.constantFrom('', 'OPENAI', 'xml', 'spool ', 'grpc'), 'invalid_request'),
    param('chunking', fc.constantFrom('', 'tokens', 'Token', '{}'), 'invalid_request'),
    param('chunk_items', fc.constantFrom('', '0', '4097', 'x', '1.5', '-3'), 'invalid_request'),
    param('chunk_delay_ms', fc.constantFrom('-1', '10001', 'x', '1.5'), 'invalid_request'),
    param('include_usage', fc.constantFrom('', 'TRUE', '1', 'yes'), 'invalid_request'),
    param(
      'window',
      fc.constantFrom('', '0', '65537', '-1', '1.5', 'x', '999999'),
      'invalid_request',
    ),
    fc.constantFrom('x', '-1', '1:', ':abc', '1:a b', '1.5', '1 2', '99999999999999999999').map(
      (id) =>
        (draft: Draft): Draft => ({
          ...draft,
          label: `events: Last-Event-ID ${id}`,
          headers: { 'last-event-id': id },
          ok: [],
          codes: ['invalid_offset'],
        }),
    ),
    fc.integer({ min: 1, max: 2 ** 40 }).map((beyond) => (draft: Draft): Draft => {
      const length = fixtures.owned.find((owned) => owned.id === draft.id)?.length ?? 0;
      return {
        ...draft,
        label: 'events: from beyond the end',
        query: [['from', String(length + beyond)]],
        headers: {},
        ok: [],
        codes: ['offset_out_of_range'],
      };
    }),
    reset,
  );
  return faulted('read', fixtures, base, faults);
}
