import { describe, expect, it } from 'vitest';
import {
  entries,
  flag,
  integer,
  ReplyShapeError,
  streamStatus,
  text,
  tuple,
} from './script-reply.ts';

describe('script reply decoders', () => {
  it('return the values of a reply of the expected shape, typed', () => {
    const reply: unknown = ['running', 12, '', [['5-0', ['f', '0', 't', '1', 'd', '[]']]], 1];
    expect(tuple(streamStatus, integer, text, entries, flag)(reply)).toEqual([
      'running',
      12,
      '',
      [['5-0', ['f', '0', 't', '1', 'd', '[]']]],
      true,
    ]);
  });

  it.each([
    ['a string for an integer', integer, '12', /expected an integer, got string "12"/],
    ['a float for an integer', integer, 1.5, /expected an integer/],
    ['2 for a flag', flag, 2, /expected 1 or 0, got number 2/],
    ['an unknown status', streamStatus, 'paused', /expected a stream status, got string "paused"/],
    ['null for a string', text, null, /expected a string, got null/],
    ['an entry without fields', entries, [['1-0', ['f', '0']], ['2-0']], /entry 2 as \[id/],
    ['an entry with a nil field', entries, [['1-0', ['f', null]]], /entry 1 as \[id/],
  ] as const)('refuse %s', (_case, decode, value, message) => {
    expect(() => decode(value)).toThrow(ReplyShapeError);
    expect(() => decode(value)).toThrow(message);
  });

  it('say which element of a tuple is wrong, and refuse the wrong length', () => {
    expect(() => tuple(integer, flag)([3, 'yes'])).toThrow(/^element 2: expected 1 or 0/);
    expect(() => tuple(integer, flag)([3])).toThrow(
      /expected an array of 2 elements, got an array of 1/,
    );
    expect(() => tuple(integer)('OK')).toThrow(/expected an array of 1 elements, got string "OK"/);
  });
});
