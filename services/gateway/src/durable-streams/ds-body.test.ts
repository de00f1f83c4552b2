import { describe, expect, it } from 'vitest';
import { bodyEntries, responseBody, subOffsetPrefix } from './ds-body.ts';

const JSON_TYPE = 'application/json';
const text = (entries: Buffer[]) => entries.map((entry) => entry.toString('utf8'));

describe('message boundaries', () => {
  it('stores a byte body as one message', () => {
    const result = bodyEntries(Buffer.from('a\nb'), 'text/plain', false);
    expect(result.ok && text(result.entries)).toEqual(['a\nb']);
  });

  it('flattens one level of a JSON array into one append', () => {
    const result = bodyEntries(Buffer.from('[1, [2], {"a": 3}]'), JSON_TYPE, false);
    expect(result.ok && text(result.entries)).toEqual(['1,[2],{"a":3}']);
  });

  it('refuses an empty JSON array except at create, and bodies that are not JSON', () => {
    expect(bodyEntries(Buffer.from('[]'), JSON_TYPE, false).ok).toBe(false);
    expect(bodyEntries(Buffer.from('[]'), JSON_TYPE, true)).toEqual({ ok: true, entries: [] });
    expect(bodyEntries(Buffer.from('{'), JSON_TYPE, false).ok).toBe(false);
  });

  it('answers a JSON read as one array of every value', () => {
    const body = responseBody([Buffer.from('1,2'), Buffer.from('{"a":3}')], JSON_TYPE);
    expect(JSON.parse(body.toString('utf8'))).toEqual([1, 2, { a: 3 }]);
    expect(responseBody([], JSON_TYPE).toString('utf8')).toBe('[]');
  });

  it('cuts a sub-offset prefix by bytes or by JSON values, refusing an overshoot', () => {
    expect(subOffsetPrefix(Buffer.from('hello'), 3, 'text/plain')?.toString()).toBe('hel');
    expect(subOffsetPrefix(Buffer.from('hi'), 3, 'text/plain')).toBeUndefined();
    expect(subOffsetPrefix(Buffer.from('1,2,3'), 2, JSON_TYPE)?.toString()).toBe('1,2');
    expect(subOffsetPrefix(Buffer.from('1,2,3'), 4, JSON_TYPE)).toBeUndefined();
  });
});
