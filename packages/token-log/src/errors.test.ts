import { SpoolError } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { toSpoolError } from './errors.ts';

describe('toSpoolError', () => {
  it('reads a script failure as its code and number', () => {
    const error = toSpoolError(new Error('ERR user_script:12: SPOOL offset_conflict 41'));
    expect(error.code).toBe('offset_conflict');
    expect(error.details).toEqual({ value: 41 });
  });

  it.each([
    'Connection is closed.',
    'connect ECONNREFUSED 127.0.0.1:6380',
    'Command aborted due to connection close',
    'LOADING Redis is loading the dataset in memory',
  ])('makes "%s" redis_unavailable, which callers retry', (message) => {
    expect(toSpoolError(new Error(message)).code).toBe('redis_unavailable');
  });

  it('keeps anything else internal, with the message', () => {
    const error = toSpoolError(new Error('WRONGTYPE Operation against a key'));
    expect(error.code).toBe('internal');
    expect(error.message).toContain('WRONGTYPE');
  });

  it('passes a SpoolError through', () => {
    const original = new SpoolError('stream_ended');
    expect(toSpoolError(original)).toBe(original);
  });
});
