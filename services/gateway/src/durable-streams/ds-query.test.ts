import { describe, expect, it } from 'vitest';
import { parseReadQuery } from './ds-query.ts';

describe('read query', () => {
  it.each([
    ['offset=a&offset=b', 'one offset'],
    ['offset=', 'empty'],
    ['offset=x_1', 'not an offset'],
    ['live=long-poll', 'needs an offset'],
    ['live=sse', 'needs an offset'],
  ])('refuses %s', (search, reason) => {
    const parsed = parseReadQuery(search);
    expect(!parsed.ok && parsed.message).toContain(reason);
  });

  it('reads from the start without an offset', () => {
    expect(parseReadQuery('')).toEqual({
      ok: true,
      query: {
        offsetText: undefined,
        offset: { kind: 'start' },
        live: undefined,
        cursor: undefined,
      },
    });
  });
});
