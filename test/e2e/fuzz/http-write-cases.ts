/**
 * Generated requests for the routes that take a body: creates (`POST /v1/streams`, chat
 * completions, messages), cancel, subscriptions and their acks; plus what any route may meet
 * (a foreign `Origin`, lying content types, broken, deep, oversized or non-UTF-8 bodies).
 */
import fc from 'fast-check';
import type { Fixtures } from './fixtures.ts';
import { badUtf8, brokenJson, nested, uriEncode } from './hostile.ts';
import { type BodyCase, chatBody, createBody, messagesBody } from './http-bodies.ts';
import {
  type Draft,
  FUZZ_MAX_BODY_BYTES,
  type FuzzCase,
  faulted,
  JSON_TYPE,
  json,
  none,
  ownedIndex,
} from './http-cases.ts';

const unparsable = brokenJson.filter((text) => {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});

/** Faults of any JSON body: each is `400 invalid_request`, or `413 payload_too_large`. */
export const bodyFaults: fc.Arbitrary<(draft: Draft) => Draft> = fc.oneof(
  unparsable.map(
    (text) =>
      (draft: Draft): Draft =>
        invalid(draft, 'not JSON', Buffer.from(text)),
  ),
  fc.integer({ min: 65, max: 5_000 }).map(
    (depth) =>
      (draft: Draft): Draft =>
        invalid(draft, `nested ${depth} deep`, Buffer.from(`{"a":${nested(depth)}}`)),
  ),
  fc.integer({ min: 65, max: 3_000 }).map(
    (depth) =>
      (draft: Draft): Draft =>
        invalid(
          draft,
          `objects nested ${depth} deep`,
          Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
        ),
  ),
  badUtf8.map(
    (bytes) =>
      (draft: Draft): Draft =>
        invalid(draft, 'bytes that are not UTF-8', Buffer.concat([Buffer.from('{"a":1,'), bytes])),
  ),
  fc
    .constantFrom(
      '{"__proto__":{"x":1},"prompt":"x"}',
      '{"constructor":{"prototype":{"x":1}},"prompt":"x"}',
    )
    .map(
      (text) =>
        (draft: Draft): Draft =>
          invalid(draft, 'a prototype key', Buffer.from(text)),
    ),
  fc.integer({ min: 1, max: 200_000 }).map(
    (extra) =>
      (draft: Draft): Draft => ({
        ...draft,
        label: `${draft.label}: body over the limit by ${extra}`,
        headers: { ...draft.headers, ...JSON_TYPE },
        body: Buffer.from(`{"prompt":"${'x'.repeat(FUZZ_MAX_BODY_BYTES + extra)}"}`),
        ok: [],
        codes: ['payload_too_large'],
      }),
  ),
);

/** Faults of a body the route reads: not an object, or sent as another content type. */
const readBodyFaults: fc.Arbitrary<(draft: Draft) => Draft> = fc.oneof(
  bodyFaults,
  fc.constantFrom('null', '1', '"x"', '[]', '[{}]', 'true').map(
    (text) =>
      (draft: Draft): Draft =>
        invalid(draft, `JSON ${text}`, Buffer.from(text)),
  ),
  fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'text/json',
      'application/xml',
    )
    .map(
      (type) =>
        (draft: Draft): Draft => ({
          ...invalid(draft, `Content-Type ${type}`, draft.body ?? Buffer.from('{}')),
          headers: { ...draft.headers, 'content-type': type },
        }),
    ),
  fc.constant((draft: Draft): Draft => {
    const { 'content-type': _dropped, ...headers } = draft.headers;
    return { ...invalid(draft, 'no Content-Type', draft.body ?? Buffer.from('{}')), headers };
  }),
);

function invalid(draft: Draft, label: string, body: Buffer): Draft {
  return {
    ...draft,
    label: `${draft.label}: ${label}`,
    headers: { ...draft.headers, ...JSON_TYPE },
    body,
    ok: [],
    codes: ['invalid_request'],
  };
}

const idempotencyKeys = fc.oneof(
  fc.constantFrom('fz-a', 'fz-b', 'fz-c'),
  fc.string({
    minLength: 1,
    maxLength: 255,
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  }),
);
const badIdempotencyKeys = fc.constantFrom('a b', 'é', 'x'.repeat(256), '\u00ff\u00fe', 'a\tb');

/** A create route's request: its body case, maybe an `Idempotency-Key`, good or bad. */
function createRoute(
  route: string,
  label: string,
  bodies: fc.Arbitrary<BodyCase>,
  surface: 'spool' | 'anthropic',
  fixtures: Fixtures,
  ok: number[],
) {
  const base = fc
    .tuple(
      bodies,
      fc.option(
        fc.oneof(
          { weight: 3, arbitrary: idempotencyKeys.map((key) => ({ key, valid: true })) },
          { weight: 1, arbitrary: badIdempotencyKeys.map((key) => ({ key, valid: false })) },
        ),
        { nil: undefined },
      ),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
    )
    .map(([body, idempotency, type]): Draft => {
      const keyed = idempotency !== undefined && body.valid;
      const draft: Draft = {
        label: `${label}${keyed ? ` with Idempotency-Key ${idempotency.valid ? '' : 'malformed'}` : ''}: ${body.label}`,
        method: 'POST',
        path: () => route,
        id: '',
        query: [],
        headers: { 'content-type': type, ...(keyed ? { 'idempotency-key': idempotency.key } : {}) },
        body: body.raw ?? json(body.body),
        credential: { label: 'none' },
        surface,
        ok: body.valid ? ok : [],
      };
      if (!body.valid || (keyed && !idempotency.valid))
        return { ...draft, ok: [], codes: ['invalid_request'] };
      return keyed ? { ...draft, codes: ['idempotency_conflict'] } : draft;
    });
  return faultedKeyRoute(fixtures, base);
}

/** Key routes have no stream in their path: credential faults and body faults only. */
function faultedKeyRoute(fixtures: Fixtures, base: fc.Arbitrary<Draft>): fc.Arbitrary<FuzzCase> {
  return faulted('key', fixtures, base, readBodyFaults, { streamInPath: false });
}

export const createCase = (fixtures: Fixtures) =>
  createRoute('/v1/streams', 'create', createBody, 'spool', fixtures, [201, 200]);
export const chatCase = (fixtures: Fixtures) =>
  createRoute('/v1/chat/completions', 'chat', chatBody, 'spool', fixtures, [200]);
export const messagesCase = (fixtures: Fixtures) =>
  createRoute('/v1/messages', 'messages', messagesBody, 'anthropic', fixtures, [200]);

function ownedDraft(
  fixtures: Fixtures,
  label: string,
  method: string,
  path: (id: string) => string,
  ok: number[],
  body?: unknown,
): fc.Arbitrary<Draft> {
  return ownedIndex(fixtures).map((index) => ({
    label,
    method,
    path,
    id: fixtures.owned[index]?.id ?? '',
    query: [],
    headers: body === undefined ? {} : JSON_TYPE,
    ...(body === undefined ? {} : { body: json(body) }),
    credential: { label: 'none' },
    ok,
  }));
}

export function cancelCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const base = fc
    .tuple(
      ownedDraft(fixtures, 'cancel', 'POST', (id) => `/v1/streams/${id}/cancel`, [202]),
      fc.constantFrom(undefined, '', '{}', 'null', '{"x":[1]}'),
    )
    .map(([draft, body]) =>
      body === undefined ? draft : { ...draft, headers: JSON_TYPE, body: Buffer.from(body) },
    );
  return faulted('owner', fixtures, base, bodyFaults);
}

export function subscriptionCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const base = ownedIndex(fixtures).chain((index) => {
    const length = fixtures.owned[index]?.length ?? 0;
    return fc.option(fc.integer({ min: 0, max: length }), { nil: undefined }).map(
      (from): Draft => ({
        label: 'create subscription',
        method: 'POST',
        path: (id) => `/v1/streams/${id}/subscriptions`,
        id: fixtures.owned[index]?.id ?? '',
        query: [],
        headers: JSON_TYPE,
        body: json(from === undefined ? {} : { from }),
        credential: { label: 'none' },
        ok: [201],
      }),
    );
  });
  const faults = fc.oneof(
    bodyFaults,
    fc.constantFrom<unknown>(-1, 1.5, '1', null, [], {}, 2 ** 53, 1e300).map(
      (from) =>
        (draft: Draft): Draft => ({
          ...draft,
          label: `subscription: from ${JSON.stringify(from)}`,
          body: json({ from }),
          ok: [],
          codes: ['invalid_offset'],
        }),
    ),
    fc.integer({ min: 1, max: 2 ** 40 }).map((beyond) => (draft: Draft): Draft => {
      const length = fixtures.owned.find((owned) => owned.id === draft.id)?.length ?? 0;
      return {
        ...draft,
        label: 'subscription: from beyond the end',
        body: json({ from: length + beyond }),
        ok: [],
        codes: ['offset_out_of_range'],
      };
    }),
  );
  return faulted('owner', fixtures, base, faults);
}

export function ackCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const owned = fixtures.owned[0];
  const length = owned?.length ?? 0;
  const sub = fixtures.subscription;
  const base = fc.integer({ min: 0, max: length }).map(
    (offset): Draft => ({
      label: 'ack',
      method: 'POST',
      path: (id) => `/v1/streams/${id}/subscriptions/${sub}/ack`,
      id: owned?.id ?? '',
      query: [],
      headers: JSON_TYPE,
      body: json({ offset }),
      credential: { label: 'none' },
      ok: [200],
    }),
  );
  const subPath = (subscription: string) => (id: string) =>
    `/v1/streams/${id}/subscriptions/${uriEncode(subscription)}/ack`;
  const faults = fc.oneof(
    readBodyFaults,
    fc.constantFrom<unknown>(-1, 1.5, '1', null, [], {}, 2 ** 53).map(
      (offset) =>
        (draft: Draft): Draft => ({
          ...draft,
          label: `ack: offset ${JSON.stringify(offset)}`,
          body: json({ offset }),
          ok: [],
          codes: ['invalid_offset'],
        }),
    ),
    fc.constant(
      (draft: Draft): Draft => ({
        ...draft,
        label: 'ack: no offset',
        body: json({}),
        ok: [],
        codes: ['invalid_offset'],
      }),
    ),
    fc
      .constantFrom(
        'sub_',
        'sub_x',
        'st_aaaaaaaaaaaaaaaaaaaaaa',
        'x'.repeat(101),
        'sub_aaaaaaaaaaaaaaaa!aaaa',
      )
      .map(
        (subscription) =>
          (draft: Draft): Draft => ({
            ...draft,
            label: 'ack: malformed subscription',
            path: subPath(subscription),
            ok: [],
            codes: [subscription.length > 100 ? 'invalid_stream_id' : 'invalid_subscription_id'],
          }),
      ),
    fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map(
      (tail) =>
        (draft: Draft): Draft => ({
          ...draft,
          label: 'ack: unknown subscription',
          path: subPath(`sub_${tail}`),
          ok: [],
          codes: ['subscription_not_found'],
        }),
    ),
    fc.integer({ min: 1, max: 2 ** 40 }).map(
      (beyond) =>
        (draft: Draft): Draft => ({
          ...draft,
          label: 'ack: beyond the end',
          body: json({ offset: length + beyond }),
          ok: [],
          codes: ['offset_out_of_range'],
        }),
    ),
  );
  return faulted('read', fixtures, base, faults);
}

export function deleteSubscriptionCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const base = fc.tuple(ownedIndex(fixtures), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/)).map(
    ([index, tail]): Draft => ({
      label: 'delete an unknown subscription',
      method: 'DELETE',
      path: (id) => `/v1/streams/${id}/subscriptions/sub_${tail}`,
      id: fixtures.owned[index]?.id ?? '',
      query: [],
      headers: {},
      credential: { label: 'none' },
      ok: [],
      codes: ['subscription_not_found'],
    }),
  );
  return faulted('owner', fixtures, base, none);
}
