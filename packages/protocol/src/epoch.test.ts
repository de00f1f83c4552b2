import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EpochStart, formatResumeId, parseResumeId, resumeVerdict } from './epoch.ts';

describe('resume ids', () => {
  it('reads an offset with or without its epoch', () => {
    expect(parseResumeId('42')).toEqual({ ok: true, value: { offset: 42, epoch: undefined } });
    expect(parseResumeId(' 7:1f3a9c2e ')).toEqual({
      ok: true,
      value: { offset: 7, epoch: '1f3a9c2e' },
    });
  });

  it('refuses anything else with invalid_offset', () => {
    for (const text of ['', '-1', '1e3', 'abc', '9007199254740992', '0x10', '5:', ':ab', '5:a b']) {
      expect(parseResumeId(text)).toEqual({
        ok: false,
        error: { code: 'invalid_offset', message: expect.stringMatching(/^Last-Event-ID: /) },
      });
    }
  });

  it('reads back every id it writes', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.stringMatching(/^[0-9a-f]{0,8}$/),
        (offset, epoch) => {
          const parsed = parseResumeId(formatResumeId(offset, epoch));
          expect(parsed).toEqual({
            ok: true,
            value: { offset, epoch: epoch === '' ? undefined : epoch },
          });
        },
      ),
    );
  });
});

describe('resumeVerdict', () => {
  // A stream made in epoch "a", whose Redis restarted at length 50 having lost nothing (epoch
  // "b" starts at 50), then crashed and lost 20 items: epoch "c" starts at 40. Length now 60.
  const epochs: EpochStart[] = [
    { epoch: 'a', from: 0 },
    { epoch: 'b', from: 50 },
    { epoch: 'c', from: 40 },
  ];
  it.each([
    ['nothing held', { offset: 0, epoch: 'zz' }, 'continue'],
    ['the current epoch, within the log', { offset: 60, epoch: 'c' }, 'continue'],
    ['the current epoch, beyond the log (not rewritten yet)', { offset: 61, epoch: 'c' }, 'reset'],
    ['an older epoch, below every later start', { offset: 40, epoch: 'a' }, 'continue'],
    ['an older epoch, past a later start', { offset: 45, epoch: 'a' }, 'reset'],
    ['the epoch that lost its tail, past the next start', { offset: 41, epoch: 'b' }, 'reset'],
    ['an epoch the stream never had (lost with its writes)', { offset: 5, epoch: 'x' }, 'reset'],
    ['no epoch, below every later start', { offset: 40, epoch: undefined }, 'continue'],
    ['no epoch, past a later start', { offset: 45, epoch: undefined }, 'reset'],
  ] as const)('%s: %s', (_case, resume, verdict) => {
    expect(resumeVerdict({ resume, epochs, length: 60 })).toBe(verdict);
  });

  it('keeps the behaviour of ids without an epoch on a stream with one epoch', () => {
    const one: EpochStart[] = [{ epoch: 'a', from: 0 }];
    const verdict = (offset: number) =>
      resumeVerdict({ resume: { offset, epoch: undefined }, epochs: one, length: 10 });
    expect([verdict(0), verdict(10), verdict(11)]).toEqual([
      'continue',
      'continue',
      'out_of_range',
    ]);
  });
});
