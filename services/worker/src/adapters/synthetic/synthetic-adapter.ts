/**
 * The `synthetic` model: needs nothing, says plausible prose, and streams it the way a real
 * inference server does (prefill pause, bursty decode, rare stalls).
 *
 * What it says is a pure function of the messages, `params.seed` (default 0) and the content
 * params (`reasoning`, `tools`, `max_tokens`); when it says it depends on the stream id and
 * `params.tokens_per_second` too, never the other way round. So it can always continue: it
 * regenerates the prefix, checks it, and yields what follows it, item for item what an
 * uninterrupted run would have yielded.
 *
 * Params: `seed` (number or string), `max_tokens` or its OpenAI alias `max_completion_tokens`
 * (exactly that many tokens, then `length`), `reasoning` (boolean, or Anthropic's `thinking: { type }`; by chance when absent),
 * `tools` (true, or OpenAI's array of tool definitions when non-empty: end with a tool call),
 * `tokens_per_second` (0: no delays at all), `prefill_ms` (the pause before the first item, for
 * an empty prompt; benchmarks of the path around the model set 0). `null` counts as absent, as
 * in OpenAI's API. Every
 * other param (`temperature`, `response_format`, vendor fields, …) is ignored, never an error:
 * an OpenAI client sends many this model has no use for.
 */
import {
  generationParamsProblem,
  type Item,
  MAX_PREFILL_MS,
  MAX_TOKENS_LIMIT,
  type NewItem,
} from '@spool/protocol';
import {
  AdapterError,
  type GenerateOptions,
  type GenerationParams,
  type GenerationRequest,
  type ModelAdapter,
} from '../model-adapter.ts';
import { type ContentSpec, contentItems } from './content.ts';
import { deriveSeed, Random } from './random.ts';
import { Pacer, TimingModel, type TimingOptions } from './timing.ts';

export interface SyntheticOptions extends TimingOptions {
  /** Token count range of a generation without `max_tokens`, over all its blocks. */
  defaultTokens: readonly [min: number, max: number];
}

export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze({
  tokensPerSecond: 50,
  prefillMs: 200,
  prefillMsPerKiloChar: 25,
  stallProbability: 0.01,
  stallMs: 400,
  defaultTokens: Object.freeze([200, 400] as const),
});

/** The longest prefill and the most tokens a request may ask for: Spool's rules (protocol). */
export { MAX_PREFILL_MS, MAX_TOKENS_LIMIT };

export function createSyntheticAdapter(options: Partial<SyntheticOptions> = {}): ModelAdapter {
  // An option given as undefined keeps its default, as if it were absent.
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  const settings = checkOptions({ ...SYNTHETIC_DEFAULTS, ...Object.fromEntries(given) });
  return {
    name: 'synthetic',
    canContinue: () => true,
    generate: (request, generateOptions) => generate(settings, request, generateOptions),
  };
}

async function* generate(
  settings: SyntheticOptions,
  request: GenerationRequest,
  { signal, prefix }: GenerateOptions,
): AsyncGenerator<NewItem, void, undefined> {
  signal.throwIfAborted();
  const plan = planRequest(settings, request);
  const items = contentItems(plan.content);
  const timing = new TimingModel(plan.timing, new Random(plan.timingSeed));
  const prefillMs = timing.prefillMs(plan.promptChars);
  skipPrefix(items, prefix, timing);
  const pacer = new Pacer(signal);
  if (prefix.length === 0) await pacer.wait(prefillMs);
  // A continuation's next item is overdue: on the stream's schedule it came while the stream was
  // taken over, so it goes at once (its gap is drawn all the same); the ones after keep theirs.
  let overdue = prefix.length > 0;
  for (const item of items) {
    const gapMs = item.type === 'token' ? timing.gapMs() : 0;
    await pacer.wait(overdue ? 0 : gapMs);
    overdue = false;
    yield item;
  }
}

interface RequestPlan {
  content: ContentSpec;
  timing: TimingOptions;
  timingSeed: number;
  promptChars: number;
}

function planRequest(settings: SyntheticOptions, request: GenerationRequest): RequestPlan {
  const { params } = request;
  // Spool's own params by the rules the gateway checked them with (the job may come from
  // elsewhere); the checks below then only read them.
  const problem = generationParamsProblem(params);
  if (problem !== undefined) throw new AdapterError('invalid_request', problem);
  const seed = params.seed ?? 0;
  if (typeof seed !== 'number' && typeof seed !== 'string') {
    throw invalidParam('seed', 'a number or a string');
  }
  const messages = request.messages.map((message) => [message.role, message.content]);
  const input = JSON.stringify([messages, seed]);
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  const tokensPerSecond = numberParam(params, 'tokens_per_second') ?? settings.tokensPerSecond;
  if (!(tokensPerSecond >= 0)) throw invalidParam('tokens_per_second', 'a number ≥ 0');
  const prefillMs = numberParam(params, 'prefill_ms') ?? settings.prefillMs;
  if (!(prefillMs >= 0 && prefillMs <= MAX_PREFILL_MS)) {
    throw invalidParam('prefill_ms', `a number from 0 to ${MAX_PREFILL_MS}`);
  }
  return {
    content: {
      seed: deriveSeed('content', input),
      reasoning: booleanParam(params, 'reasoning') ?? thinkingParam(params),
      tools: toolsParam(params),
      maxTokens: maxTokensParam(params),
      defaultTokens: settings.defaultTokens,
      promptTokens: Math.ceil(promptChars / 4),
    },
    timing: { ...settings, tokensPerSecond, prefillMs },
    // The stream id keeps identical requests from stalling in step with each other.
    timingSeed: deriveSeed('timing', `${request.streamId}\n${input}`),
    promptChars,
  };
}

/**
 * Consumes the regenerated items that the prefix already holds, checking each, and draws their
 * gaps so the rest keeps the timing of an uninterrupted run.
 */
function skipPrefix(items: Iterator<NewItem>, prefix: readonly Item[], timing: TimingModel): void {
  for (let offset = 0; offset < prefix.length; offset++) {
    const expected = prefix[offset];
    const next = items.next();
    if (next.done === true) {
      throw mismatch(`the prefix has ${prefix.length} items, the generation only ${offset}`);
    }
    if (expected === undefined || expected.offset !== offset || !sameItem(expected, next.value)) {
      throw mismatch(`the prefix differs from the generation at offset ${offset}`);
    }
    if (next.value.type === 'token') timing.gapMs();
  }
}

/**
 * Equal but for `offset`: same keys (absent and undefined alike) with equal values. Tokens, nearly
 * every item, are compared field by field: a takeover checks whole prefixes of many streams at
 * once, and the canonical JSON of each token was a quarter of the new worker's CPU then.
 */
function sameItem(stored: Item, generated: NewItem): boolean {
  if (stored.type === 'token' && generated.type === 'token') {
    return stored.text === generated.text && stored.block === generated.block;
  }
  const { offset: _offset, ...rest } = stored;
  return JSON.stringify(sortKeys(rest)) === JSON.stringify(sortKeys(generated));
}

function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(([, field]) => field !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, field]) => [key, sortKeys(field)]));
}

function mismatch(detail: string): AdapterError {
  return new AdapterError('continuation_mismatch', `synthetic model cannot continue: ${detail}`);
}

function invalidParam(name: string, expected: string): AdapterError {
  return new AdapterError('invalid_request', `params.${name} must be ${expected}`);
}

/** `max_completion_tokens` (OpenAI's current name) or `max_tokens`: a positive integer. */
function maxTokensParam(params: GenerationParams): number | undefined {
  const name = given(params, 'max_completion_tokens') ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = numberParam(params, name);
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw invalidParam(name, 'a positive integer');
  }
  if (maxTokens !== undefined && maxTokens > MAX_TOKENS_LIMIT) {
    throw invalidParam(name, `at most ${MAX_TOKENS_LIMIT}`);
  }
  return maxTokens;
}

/**
 * Anthropic's `thinking: { type: "enabled" | "adaptive" | "disabled", … }`: whether to reason
 * (the budget is not modelled). Absent: undefined, the content's own default.
 */
function thinkingParam(params: GenerationParams): boolean | undefined {
  if (!given(params, 'thinking')) return undefined;
  const value = params.thinking;
  const type = typeof value === 'object' && !Array.isArray(value) ? value?.type : undefined;
  if (type === 'enabled' || type === 'adaptive') return true;
  if (type === 'disabled') return false;
  throw invalidParam('thinking', '{ type: "enabled" | "adaptive" | "disabled" }');
}

/** `tools: true`, or OpenAI's list of tool definitions: a non-empty one asks for a tool call. */
function toolsParam(params: GenerationParams): boolean {
  const value = params.tools;
  if (Array.isArray(value)) return value.length > 0;
  return booleanParam(params, 'tools') ?? false;
}

/** Whether the param is there: absent and `null` (OpenAI's "not given") are alike. */
function given(params: GenerationParams, name: string): boolean {
  return params[name] !== undefined && params[name] !== null;
}

function numberParam(params: GenerationParams, name: string): number | undefined {
  if (!given(params, name)) return undefined;
  const value = params[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParam(name, 'a number');
  return value;
}

function booleanParam(params: GenerationParams, name: string): boolean | undefined {
  if (!given(params, name)) return undefined;
  const value = params[name];
  if (typeof value === 'boolean') return value;
  throw invalidParam(name, 'true or false');
}

function checkOptions(options: SyntheticOptions): SyntheticOptions {
  const { tokensPerSecond, prefillMs, prefillMsPerKiloChar, stallProbability, stallMs } = options;
  const [minTokens, maxTokens] = options.defaultTokens;
  const valid =
    [tokensPerSecond, prefillMs, prefillMsPerKiloChar, stallMs].every((value) => value >= 0) &&
    stallProbability >= 0 &&
    stallProbability <= 1 &&
    Number.isInteger(minTokens) &&
    Number.isInteger(maxTokens) &&
    minTokens >= 1 &&
    minTokens <= maxTokens;
  if (!valid) throw new RangeError(`invalid synthetic model options: ${JSON.stringify(options)}`);
  return Object.freeze({ ...options });
}
