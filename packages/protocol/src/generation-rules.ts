/**
 * The rules of Spool's own generation params, the same for every model adapter: the gateway
 * checks them before it stores anything (`400 invalid_request`), and the worker's adapters check
 * them again on the job they take (a queue is an input too). One copy, so the gateway never
 * accepts what a worker then fails (issue 13: `max_tokens: 2.5` answered 201, then the stream
 * failed).
 *
 * Only the params Spool gives a meaning to are checked; the others pass through to the adapter
 * unchanged. Absent and `null` (OpenAI's "not given") are alike.
 */

/** The most tokens one generation may ask for (`max_tokens`, `max_completion_tokens`). */
export const MAX_TOKENS_LIMIT = 100_000;
/** The longest prefill the synthetic model may be asked to pause for (`prefill_ms`). */
export const MAX_PREFILL_MS = 60_000;

type Params = Readonly<Record<string, unknown>>;
type Rule = (params: Params) => string | undefined;

function given(params: Params, name: string): boolean {
  return params[name] !== undefined && params[name] !== null;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function numberRule(name: string, valid: (value: number) => boolean, expected: string): Rule {
  return (params) => {
    if (!given(params, name)) return undefined;
    const value = params[name];
    return isNumber(value) && valid(value) ? undefined : `params.${name} must be ${expected}`;
  };
}

const maxTokensRule: Rule = (params) => {
  const name = given(params, 'max_completion_tokens') ? 'max_completion_tokens' : 'max_tokens';
  return numberRule(
    name,
    (value) => Number.isInteger(value) && value >= 1 && value <= MAX_TOKENS_LIMIT,
    `an integer from 1 to ${MAX_TOKENS_LIMIT}`,
  )(params);
};

const RULES: readonly Rule[] = [
  (params) =>
    !given(params, 'seed') || isNumber(params.seed) || typeof params.seed === 'string'
      ? undefined
      : 'params.seed must be a number or a string',
  maxTokensRule,
  numberRule('tokens_per_second', (value) => value >= 0, 'a number ≥ 0'),
  numberRule(
    'prefill_ms',
    (value) => value >= 0 && value <= MAX_PREFILL_MS,
    `a number from 0 to ${MAX_PREFILL_MS}`,
  ),
];

/** The first rule `params` breaks, as `params.<name> must be …`; undefined when none. */
export function generationParamsProblem(params: Params): string | undefined {
  for (const rule of RULES) {
    const problem = rule(params);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The tokens a generation asks for at most, when it says (`max_completion_tokens` first). */
export function requestedMaxTokens(params: Params): number | undefined {
  const value = given(params, 'max_completion_tokens')
    ? params.max_completion_tokens
    : params.max_tokens;
  return isNumber(value) ? value : undefined;
}
