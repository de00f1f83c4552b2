import { describe, expect, it } from 'vitest';
import {
  generationParamsProblem,
  MAX_PREFILL_MS,
  MAX_TOKENS_LIMIT,
  requestedMaxTokens,
} from './generation-rules.ts';

describe('generationParamsProblem', () => {
  it.each([
    [{}, undefined],
    [{ seed: 7, max_tokens: 10, tokens_per_second: 0, prefill_ms: 0, temperature: 9 }, undefined],
    [{ seed: 'abc', max_tokens: null, max_completion_tokens: MAX_TOKENS_LIMIT }, undefined],
    [{ seed: true }, 'params.seed must be a number or a string'],
    [{ max_tokens: 2.5 }, /max_tokens must be an integer from 1/],
    [{ max_tokens: 1e12 }, /max_tokens must be an integer from 1/],
    [{ max_tokens: 0 }, /max_tokens/],
    [{ max_tokens: '10' }, /max_tokens/],
    [{ max_completion_tokens: -1, max_tokens: 5 }, /max_completion_tokens/],
    [{ tokens_per_second: -5 }, 'params.tokens_per_second must be a number ≥ 0'],
    [{ tokens_per_second: Number.NaN }, /tokens_per_second/],
    [{ prefill_ms: MAX_PREFILL_MS + 1 }, /prefill_ms/],
  ])('%j → %s', (params, expected) => {
    const problem = generationParamsProblem(params);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it('reads max_completion_tokens before max_tokens', () => {
    expect(requestedMaxTokens({ max_completion_tokens: 5, max_tokens: 9 })).toBe(5);
    expect(requestedMaxTokens({ max_tokens: 9 })).toBe(9);
    expect(requestedMaxTokens({})).toBeUndefined();
  });
});
