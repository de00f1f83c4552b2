/**
 * Credentials for a request, good and bad, with the answer docs/protocol.md section 12 gives
 * each: what a route needs (`key`, the stream's `owner` key, `read`: its token or owner key),
 * and `401` / `403` for everything else.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import { type Fixtures, FUZZ_KEY, OTHER_KEY, signToken } from './fixtures.ts';

export type Access = 'key' | 'owner' | 'read';

export interface Credential {
  label: string;
  /** The `Authorization` header, if any. */
  header?: string;
  /** `?token=` values (repeated when more than one). */
  query?: string[];
  /** The code it earns; undefined when it is good for the route. */
  code?: ErrorCode;
}

/** A good credential for `access` to `owned[stream]` (the fuzz key, or that stream's token). */
export function goodCredential(
  access: Access,
  fixtures: Fixtures,
  stream: number,
): fc.Arbitrary<Credential> {
  const key = { label: 'key', header: `Bearer ${FUZZ_KEY}` };
  if (access !== 'read')
    return fc.constantFrom(key, { label: 'lower-case scheme', header: `bearer  ${FUZZ_KEY} ` });
  const token = fixtures.owned[stream]?.token ?? '';
  return fc.constantFrom(
    key,
    { label: 'token', header: `Bearer ${token}` },
    { label: '?token=', query: [token] },
  );
}

/** A credential that fails for `access` to `owned[stream]`, with its code. */
export function badCredential(
  access: Access,
  fixtures: Fixtures,
  stream: number,
): fc.Arbitrary<Credential> {
  const unauthorized = (label: string, header?: string, query?: string[]): Credential => ({
    label,
    code: 'unauthorized',
    ...(header === undefined ? {} : { header }),
    ...(query === undefined ? {} : { query }),
  });
  const target = fixtures.owned[stream]?.id ?? '';
  const other = fixtures.owned[(stream + 1) % fixtures.owned.length]?.token ?? '';
  const valid = fixtures.owned[stream]?.token ?? '';
  const forged = `${valid.slice(0, -4)}${valid.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  const choices: fc.Arbitrary<Credential>[] = [
    fc.constant(unauthorized('none')),
    fc
      .string({
        minLength: 1,
        maxLength: 60,
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'.split('')),
      })
      .filter((key) => !key.startsWith('rt1.') && key !== FUZZ_KEY && key !== OTHER_KEY)
      .map((key) => unauthorized('unknown key', `Bearer ${key}`)),
    fc
      .constantFrom(
        'Basic Zm9vOmJhcg==',
        'Bearer',
        'Bearer ',
        'Bearer a b',
        `Token ${FUZZ_KEY}`,
        '',
        `Bearer${FUZZ_KEY}`,
        'Bearer \u00e9',
      )
      .map((header) => unauthorized('bad scheme', header)),
    fc
      .integer({ min: 1_025, max: 4_000 })
      .map((length) => unauthorized('too long', `Bearer ${'a'.repeat(length)}`)),
    fc.constant(unauthorized('expired token', `Bearer ${signToken(target, Date.now() - 60_000)}`)),
    fc.constant(unauthorized('forged token', `Bearer ${forged}`)),
    fc
      .constantFrom(
        'rt1.',
        'rt1.x.y',
        'rt1.a.b.c',
        'rt2.e30.AAAA',
        `rt1.${Buffer.from('{').toString('base64url')}.AAAA`,
      )
      .map((token) => unauthorized('malformed token', `Bearer ${token}`)),
    fc
      .constantFrom([''], ['a', 'b'], [valid, valid])
      .map((query) => unauthorized('bad ?token=', undefined, [...query])),
  ];
  if (access === 'read') {
    choices.push(
      fc.constant({
        label: "another stream's token",
        header: `Bearer ${other}`,
        code: 'forbidden',
      }),
    );
    choices.push(
      fc.constant({ label: 'another key', header: `Bearer ${OTHER_KEY}`, code: 'forbidden' }),
    );
  } else {
    choices.push(fc.constant(unauthorized('a token where a key is needed', `Bearer ${valid}`)));
    if (access === 'owner')
      choices.push(
        fc.constant({ label: 'another key', header: `Bearer ${OTHER_KEY}`, code: 'forbidden' }),
      );
  }
  return fc.oneof(...choices);
}

/**
 * A stream id in a path that fails, with its code: malformed (or too long for a path
 * parameter) is `invalid_stream_id`; unknown is `stream_not_found`, another key's `forbidden`
 * (both asked with the fuzz key).
 */
interface StreamRef {
  id: string;
  codes: ErrorCode[];
  label: string;
}

export function badStreamRef(fixtures: Fixtures): fc.Arbitrary<StreamRef> {
  return fc.oneof(
    fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          'st_',
          'st_short',
          `st_${'a'.repeat(65)}`,
          `st_${'a'.repeat(120)}`,
          'ST_aaaaaaaaaaaaaaaaaaaaaa',
          'st_aaaaaaaaaaaaaaaa!aaaaa',
          'sub_aaaaaaaaaaaaaaaaaaaaaa',
        ),
      )
      .filter(
        (id) => !/^st_[A-Za-z0-9_-]{16,64}$/.test(id) && id !== '' && id !== '.' && id !== '..',
      )
      .map((id) => ({
        id,
        codes: ['invalid_stream_id' as ErrorCode],
        label: 'malformed stream id',
      })),
    fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((tail) => ({
      id: `st_${tail}`,
      codes: ['stream_not_found' as ErrorCode],
      label: 'unknown stream',
    })),
    fc.constant<StreamRef>({
      id: fixtures.foreign.id,
      codes: ['forbidden'],
      label: "another key's stream",
    }),
  );
}
