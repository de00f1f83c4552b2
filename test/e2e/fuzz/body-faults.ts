/**
 * Faults of a request body and their documented answers (docs/protocol.md section 3): text that
 * is not JSON, JSON nested too deep, bytes that are not UTF-8, prototype keys, a body over the
 * limit, a body that is not an object, another content type or none.
 */
import fc from 'fast-check';
import { type Draft, FUZZ_MAX_BODY_BYTES, JSON_TYPE } from './draft.ts';
import { badUtf8, brokenJson, nested } from './hostile.ts';

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

const TEXT_PLAIN_JSON_ROUTE = '/v1/ai-sdk/chat';

/** Faults of a body the route reads: not an object, or sent as another content type. */
export const readBodyFaults: fc.Arbitrary<(draft: Draft) => Draft> = fc.oneof(
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
        (draft: Draft): Draft =>
          // The AI SDK chat route reads JSON sent as text/plain too (section 13): no fault there.
          type === 'text/plain' && draft.path('') === TEXT_PLAIN_JSON_ROUTE
            ? {
                ...draft,
                label: `${draft.label}: Content-Type ${type}`,
                headers: { ...draft.headers, 'content-type': type },
              }
            : {
                ...invalid(draft, `Content-Type ${type}`, draft.body ?? Buffer.from('{}')),
                headers: { ...draft.headers, 'content-type': type },
              },
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
