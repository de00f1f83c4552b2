/**
 * Requests with no structure to speak of: any method, path segments that almost name a route,
 * query parameters and headers with hostile values, bodies of any bytes. No expectation beyond
 * the oracle's rules: every answer documented, never `internal`.
 */
import fc from 'fast-check';
import type { FuzzCase } from './draft.ts';
import { type Fixtures, FUZZ_KEY } from './fixtures.ts';
import { badUtf8, brokenJson, hostileJson, hostileString, nested, uriEncode } from './hostile.ts';

/** Only what node's HTTP client will put in a header value: latin-1 without control characters. */
export function headerSafe(text: string): string {
  return [...text]
    .filter((c) => c === '\t' || (c >= ' ' && c <= '~') || (c >= '\u00a0' && c <= '\u00ff'))
    .join('')
    .trim();
}

/** Only what goes unescaped in a request target: visible ASCII without `#`. */
function targetSafe(text: string): string {
  return [...text].filter((c) => c > ' ' && c <= '~' && c !== '#').join('');
}

const QUERY_NAMES = [
  'from',
  'limit',
  'block',
  'epoch',
  'subscription',
  'format',
  'chunking',
  'chunk_items',
  'chunk_delay_ms',
  'include_usage',
  'window',
  'token',
  'heartbeat',
  '__proto__',
];

export function chaosCase(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const owned = fixtures.owned[0];
  const id = fc.oneof(
    fc.constantFrom(
      owned?.id ?? '',
      fixtures.foreign.id,
      'st_aaaaaaaaaaaaaaaaaaaaaa',
      '',
      '%C0%AF',
      '%ED%A0%80',
      '%FF',
      '%00',
    ),
    hostileString.map((text) => uriEncode(text)),
    hostileString.map(targetSafe),
  );
  const tail = fc.oneof(
    fc.constantFrom(
      '',
      '/items',
      '/events',
      '/cancel',
      '/subscriptions',
      `/subscriptions/${fixtures.subscription}`,
      `/subscriptions/${fixtures.subscription}/ack`,
      '/',
      '//',
      '/..',
      '/items/x',
    ),
    hostileString.map((text) => `/${uriEncode(text)}`),
  );
  const path = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(id, tail).map(([stream, rest]) => `/v1/streams/${stream}${rest}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '/v1/streams',
        '/v1/chat/completions',
        '/v1/messages',
        '/v1/ai-sdk/chat',
        '/v1/ai-sdk/chat/fz-chat/stream',
        '/v1/ai-sdk/chat/fz-chat/stop',
        '/v1/ai-sdk/chat/%7B%7D/stream',
        '/v1/ws',
        '/healthz',
        '/readyz',
        '/metrics',
        '/v1',
        '/v1/',
        '/v2/streams',
        '/%',
        '/v1/streams/%zz',
        `/v1/streams/${'x'.repeat(9_000)}`,
      ),
    },
    { weight: 1, arbitrary: hostileString.map((text) => `/v1/${targetSafe(text)}`) },
  );
  const query = fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), hostileString), hostileString), {
      maxLength: 4,
    })
    .map((pairs) => pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&'));
  const rawQuery = hostileString.map(targetSafe);
  const headers = fc.record(
    {
      authorization: fc.oneof(
        fc.constantFrom(`Bearer ${FUZZ_KEY}`, `Bearer ${owned?.token}`, 'Bearer', 'Basic x'),
        hostileString.map((text) => `Bearer ${text}`),
      ),
      'last-event-id': fc.oneof(
        fc.constantFrom('0', '1', `1:${owned?.epoch}`, '99999999'),
        hostileString,
      ),
      'idempotency-key': hostileString,
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/json; charset=utf-16',
        'multipart/form-data',
        '*/*',
        ';;',
        'application/json;',
      ),
      accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'x'),
      origin: fc.constantFrom('http://evil.example', 'null', 'file://'),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.constant(undefined),
    hostileJson.map((value) => Buffer.from(JSON.stringify(value) ?? '')),
    brokenJson.map((text) => Buffer.from(text)),
    badUtf8,
    fc.integer({ min: 65, max: 2_000 }).map((depth) => Buffer.from(nested(depth, '{"a":', '}'))),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
      path,
      query: fc.oneof(query, rawQuery),
      headers,
      body,
    })
    .map((request): FuzzCase => {
      const clean = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, headerSafe(String(v))]),
      );
      const target = `${request.path}${request.query === '' ? '' : `?${request.query}`}`;
      return {
        label: `chaos ${request.method} ${request.path.slice(0, 60)}`,
        method: request.method,
        path: target,
        headers: clean,
        body: request.method === 'GET' || request.method === 'OPTIONS' ? undefined : request.body,
        // A head over Node's 16 KB never reaches a route: Spool's body (protocol sections 3, 10).
        surface:
          request.method === 'POST' && request.path === '/v1/messages' && target.length < 15_000
            ? 'anthropic'
            : 'spool',
        expected: { ok: [200, 201, 202, 204] },
      };
    });
}
