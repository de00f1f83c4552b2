/**
 * Generated requests for the routes that take a body: creates (`POST /v1/streams`, chat
 * completions, messages, the AI SDK chat), cancel, subscriptions and their acks, with the body faults of
 * `body-faults.ts`.
 */
import fc from 'fast-check';
import { bodyFaults, readBodyFaults } from './body-faults.ts';
import { type Draft, type FuzzCase, faulted, JSON_TYPE, json, none, ownedIndex } from './draft.ts';
import type { Fixtures } from './fixtures.ts';
import { uriEncode } from './hostile.ts';
import { aiSdkChatBody, type BodyCase, chatBody, createBody, messagesBody } from './http-bodies.ts';

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
export const aiSdkChatCase = (fixtures: Fixtures) =>
  createRoute('/v1/ai-sdk/chat', 'ai-sdk chat', aiSdkChatBody, 'spool', fixtures, [200]);

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
