/**
 * What every generated HTTP case is built from: a draft (route, stream, query, headers, body,
 * credential, expected answer), the one fault it may carry (`faulted`), and `build`, which
 * turns it into the request and its expectation for `oracle.ts`.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import {
  type Access,
  badCredential,
  badStreamRef,
  type Credential,
  goodCredential,
} from './credentials.ts';
import { type Fixtures, FUZZ_KEY } from './fixtures.ts';
import { uriEncode } from './hostile.ts';
import type { HttpCase } from './http-client.ts';
import type { Expectation, Surface } from './oracle.ts';

export interface FuzzCase extends HttpCase {
  label: string;
  surface: Surface;
  expected: Expectation;
}

export type Query = [string, string][];

export interface Draft {
  label: string;
  method: string;
  path: (id: string) => string;
  id: string;
  query: Query;
  headers: Record<string, string>;
  body?: Buffer;
  credential: Credential;
  surface?: Surface;
  ok: number[];
  codes?: ErrorCode[];
}

/** Body size limit the fuzzed gateway runs with (SPOOL_MAX_BODY_BYTES). */
export const FUZZ_MAX_BODY_BYTES = 65_536;

export function build(draft: Draft): FuzzCase {
  const query: Query = [
    ...draft.query,
    ...(draft.credential.query ?? []).map((t): [string, string] => ['token', t]),
  ];
  const search = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  const headers = { ...draft.headers };
  if (draft.credential.header !== undefined) headers.authorization = draft.credential.header;
  const refused = draft.credential.code;
  return {
    label: `${draft.label} [${draft.credential.label}]`,
    method: draft.method,
    path: `${draft.path(uriEncode(draft.id))}${search === '' ? '' : `?${search}`}`,
    headers,
    body: draft.body,
    surface: draft.surface ?? 'spool',
    expected: refused
      ? { ok: [], codes: [refused] }
      : { ok: draft.ok, ...(draft.codes ? { codes: draft.codes } : {}) },
  };
}

export const json = (value: unknown) => Buffer.from(JSON.stringify(value));
export const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * One fault or none: the credential, the path's stream id, a foreign `Origin`, or one of the
 * route's own fields (weights 1 : 1 : 1 : 4; none 2).
 */
export function faulted(
  access: Access,
  fixtures: Fixtures,
  base: fc.Arbitrary<Draft>,
  fieldFaults: fc.Arbitrary<(draft: Draft) => Draft>,
  options: { streamInPath: boolean } = { streamInPath: true },
): fc.Arbitrary<FuzzCase> {
  return base.chain((draft) => {
    const stream = Math.max(
      0,
      fixtures.owned.findIndex((owned) => owned.id === draft.id),
    );
    const good = credentials(access, fixtures, stream);
    const arms: fc.WeightedArbitrary<Draft>[] = [
      { weight: 2, arbitrary: good.good.map((credential) => ({ ...draft, credential })) },
      { weight: 1, arbitrary: good.bad.map((credential) => ({ ...draft, credential })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('http://evil.example', 'null', 'http://127.0.0.1.evil.example')
          .map((origin) => ({
            ...draft,
            label: `${draft.label}: Origin ${origin}`,
            headers: { ...draft.headers, origin },
            credential: { label: 'key', header: goodKeyHeader },
            ok: [],
            codes: ['forbidden'],
          })),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(good.good, fieldFaults)
          .map(([credential, fault]) => fault({ ...draft, credential })),
      },
    ];
    if (options.streamInPath) {
      arms.push({
        weight: 1,
        arbitrary: good.streamRefs.map((ref) => ({
          ...draft,
          id: ref.id,
          label: `${draft.label}: ${ref.label}`,
          credential: { label: 'key', header: goodKeyHeader },
          ok: [],
          codes: ref.codes,
        })),
      });
    }
    return fc.oneof(...arms).map(build);
  });
}

const goodKeyHeader = `Bearer ${FUZZ_KEY}`;

/** The credential arbitraries of one route kind and stream, made once (each draw would sign tokens). */
interface Credentials {
  good: fc.Arbitrary<Credential>;
  bad: fc.Arbitrary<Credential>;
  streamRefs: ReturnType<typeof badStreamRef>;
}

const credentialCache = new WeakMap<Fixtures, Map<string, Credentials>>();

function credentials(access: Access, fixtures: Fixtures, stream: number): Credentials {
  const cache = credentialCache.get(fixtures) ?? new Map<string, Credentials>();
  credentialCache.set(fixtures, cache);
  const key = `${access}:${stream}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = makeCredentials(access, fixtures, stream);
    cache.set(key, found);
  }
  return found;
}

function makeCredentials(access: Access, fixtures: Fixtures, stream: number): Credentials {
  return {
    good: goodCredential(access, fixtures, stream),
    bad: badCredential(access, fixtures, stream),
    streamRefs: badStreamRef(fixtures),
  };
}

export const ownedIndex = (fixtures: Fixtures) =>
  fc.integer({ min: 0, max: fixtures.owned.length - 1 });
export const none = fc.constant((draft: Draft) => draft);
