import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';
import { ConfigError, duration, integer, oneOf, parseEnv } from './env.ts';

const shape = {
  SPOOL_PORT: integer(1, 65_535, 8_080),
  SPOOL_HEARTBEAT_MS: duration(100, 3_600_000, 15_000),
  SPOOL_MODEL_ADAPTER: oneOf(['synthetic', 'openai'], 'synthetic'),
};

describe('parseEnv', () => {
  it('applies defaults for unset and empty variables', () => {
    expect(parseEnv(shape, { SPOOL_PORT: '' })).toEqual({
      SPOOL_PORT: 8_080,
      SPOOL_HEARTBEAT_MS: 15_000,
      SPOOL_MODEL_ADAPTER: 'synthetic',
    });
  });

  it('parses integers, durations and choices', () => {
    const config = parseEnv(shape, {
      SPOOL_PORT: '9000',
      SPOOL_HEARTBEAT_MS: '2s',
      SPOOL_MODEL_ADAPTER: 'openai',
    });
    expect(config).toEqual({
      SPOOL_PORT: 9_000,
      SPOOL_HEARTBEAT_MS: 2_000,
      SPOOL_MODEL_ADAPTER: 'openai',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable and what it got', () => {
    const parse = () =>
      parseEnv(shape, {
        SPOOL_PORT: 'eighty',
        SPOOL_HEARTBEAT_MS: '5',
        SPOOL_MODEL_ADAPTER: 'gpt',
      });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/SPOOL_PORT: must be an integer \(got "eighty"\)/);
    expect(parse).toThrow(/SPOOL_HEARTBEAT_MS: .*100/);
    expect(parse).toThrow(/SPOOL_MODEL_ADAPTER: /);
  });
});

describe('parseDuration', () => {
  it.each([
    ['1500', 1_500],
    ['250ms', 250],
    ['15s', 15_000],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1_500],
  ])('reads %s as %i ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', 'soon', '-5s', '5 minutes', '1e3'])('refuses %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
