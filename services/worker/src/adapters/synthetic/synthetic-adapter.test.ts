import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError, type GenerationParams } from '../model-adapter.ts';
import {
  createSyntheticAdapter,
  MAX_PREFILL_MS,
  MAX_TOKENS_LIMIT,
  SYNTHETIC_DEFAULTS,
} from './synthetic-adapter.ts';
import {
  blockText,
  collect,
  finishReason,
  generate,
  kinds,
  request,
  structureProblems,
  tokens,
} from './test-helpers.ts';
import { TOOL_NAMES } from './tool-call.ts';

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const contentParams = fc.record({
  seed,
  reasoning: fc.option(fc.boolean(), { nil: undefined }),
  tools: fc.boolean(),
});

/** Drops the params fast-check left undefined: a request never carries those. */
function clean(params: Record<string, GenerationParams[string] | undefined>): GenerationParams {
  const result: GenerationParams = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) result[key] = value;
  return result;
}

describe('synthetic adapter: content', () => {
  it('is named synthetic and can always continue', () => {
    const adapter = createSyntheticAdapter();
    expect(adapter.name).toBe('synthetic');
    expect(adapter.canContinue(request())).toBe(true);
  });

  it('yields the same items for the same messages and seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), contentParams, async (prompt, params) => {
        const first = await generate(clean(params), prompt);
        expect(await generate(clean(params), prompt)).toEqual(first);
      }),
      { numRuns: 20 },
    );
  });

  it('says something else for another seed or another prompt', async () => {
    await fc.assert(
      fc.asyncProperty(seed, seed, async (a, b) => {
        fc.pre(a !== b);
        const text = blockText(await generate({ seed: a, reasoning: false }), 'text');
        expect(blockText(await generate({ seed: b, reasoning: false }), 'text')).not.toBe(text);
      }),
      { numRuns: 20 },
    );
    const other = await generate({ reasoning: false }, 'What is a consumer group?');
    expect(blockText(other, 'text')).not.toBe(
      blockText(await generate({ reasoning: false }), 'text'),
    );
  });

  it('takes a string seed as well as a number, and 0 when there is none', async () => {
    expect(await generate({ seed: 'abc' })).toEqual(await generate({ seed: 'abc' }));
    expect(await generate({ seed: 0 })).toEqual(await generate());
  });

  it('keeps the item structure: blocks in order, usage, then one end', async () => {
    await fc.assert(
      fc.asyncProperty(contentParams, async (params) => {
        expect(structureProblems(await generate(clean(params)))).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('writes prose: capitalised sentences, commas, full stops and paragraphs', async () => {
    const text = blockText(await generate({ max_tokens: 3_000, reasoning: false }), 'text') ?? '';
    const sentences = text.split(/(?<=[.?]) |\n\n/).filter((sentence) => sentence !== '');
    expect(sentences.length).toBeGreaterThan(50);
    for (const sentence of sentences.slice(0, -1)) expect(sentence).toMatch(/^[A-Z][^.?]*[.?]$/);
    expect(text).toContain(', ');
    expect(text).toContain('\n\n');
  });

  it('cuts tokens like a BPE tokenizer: 1–8 characters, mostly a space and a word', async () => {
    const pieces = tokens(await generate({ max_tokens: 5_000 })).map((item) => item.text);
    expect(pieces.filter((piece) => piece.length < 1 || piece.length > 8)).toEqual([]);
    const spaceWords = pieces.filter((piece) => /^ [a-zA-Z]+$/.test(piece)).length;
    expect(spaceWords / pieces.length).toBeGreaterThan(0.6);
    expect(pieces).toContain(',');
    expect(pieces.some((piece) => /^[a-z]+$/.test(piece))).toBe(true); // a word's second piece
  });

  it('says between 200 and about 400 tokens by default', async () => {
    for (const value of [1, 2, 3, 4, 5]) {
      const usage = (await generate({ seed: value })).find((item) => item.type === 'usage');
      expect(usage?.type === 'usage' && usage.completion_tokens).toBeGreaterThanOrEqual(200);
      expect(usage?.type === 'usage' && usage.completion_tokens).toBeLessThan(520);
    }
  });

  it('counts prompt tokens as about a quarter of the prompt characters', async () => {
    const usage = (await generate({}, 'x'.repeat(400))).find((item) => item.type === 'usage');
    expect(usage).toMatchObject({ prompt_tokens: 100 });
  });

  it('says exactly max_tokens tokens, then ends with length', async () => {
    await fc.assert(
      fc.asyncProperty(contentParams, fc.integer({ min: 1, max: 600 }), async (params, max) => {
        const items = await generate(clean({ ...params, max_tokens: max }));
        expect(tokens(items)).toHaveLength(max);
        expect(finishReason(items)).toBe('length');
        expect(structureProblems(items)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('thinks first when reasoning is asked for, never when refused, else about 30 % of the time', async () => {
    expect(kinds(await generate({ reasoning: true }))[0]).toBe('reasoning');
    expect(kinds(await generate({ reasoning: false }))).toEqual(['text']);
    let thinking = 0;
    for (let value = 0; value < 300; value++) {
      if (kinds(await generate({ seed: value, max_tokens: 2 }))[0] === 'reasoning') thinking++;
    }
    expect(thinking / 300).toBeGreaterThan(0.2);
    expect(thinking / 300).toBeLessThan(0.4);
  });

  it('ends with a tool call of JSON arguments when tools are on', async () => {
    await fc.assert(
      fc.asyncProperty(seed, async (value) => {
        const items = await generate({ seed: value, tools: true });
        const start = items.find(
          (item) => item.type === 'block_start' && item.kind === 'tool_call',
        );
        expect(start?.type === 'block_start' && start.tool?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
        expect(TOOL_NAMES).toContain(start?.type === 'block_start' && start.tool?.name);
        expect(JSON.parse(blockText(items, 'tool_call') ?? '')).toBeTypeOf('object');
        expect(kinds(items).at(-1)).toBe('tool_call');
        expect(finishReason(items)).toBe('tool_calls');
      }),
      { numRuns: 20 },
    );
  });

  it('takes OpenAI tool definitions as tools: a non-empty list asks for a tool call', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: {} } }];
    const withList = await generate({ seed: 5, tools });
    expect(withList).toEqual(await generate({ seed: 5, tools: true }));
    expect(finishReason(withList)).toBe('tool_calls');
    expect(await generate({ seed: 5, tools: [] })).toEqual(await generate({ seed: 5 }));
  });

  it('takes Anthropic thinking as reasoning, and Anthropic tool definitions as tools', async () => {
    expect(await generate({ seed: 3, thinking: { type: 'enabled', budget_tokens: 1024 } })).toEqual(
      await generate({ seed: 3, reasoning: true }),
    );
    expect(await generate({ seed: 3, thinking: { type: 'adaptive' } })).toEqual(
      await generate({ seed: 3, reasoning: true }),
    );
    expect(await generate({ seed: 3, thinking: { type: 'disabled' } })).toEqual(
      await generate({ seed: 3, reasoning: false }),
    );
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' } }];
    expect(await generate({ seed: 3, tools })).toEqual(await generate({ seed: 3, tools: true }));
  });

  it('takes max_completion_tokens as max_tokens', async () => {
    const items = await generate({ seed: 2, max_completion_tokens: 17 });
    expect(tokens(items)).toHaveLength(17);
    expect(finishReason(items)).toBe('length');
    expect(items).toEqual(await generate({ seed: 2, max_tokens: 17 }));
  });

  it('ignores params it does not use, object-valued or not, and takes null as absent', async () => {
    const openai: GenerationParams = {
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n\n', 'END'],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      user: 'someone',
      logit_bias: { '50256': -100 },
      x_vendor: [1, { nested: true }],
      max_tokens: null,
      seed: null,
      tools: null,
    };
    expect(await generate({ ...openai, reasoning: false })).toEqual(
      await generate({ reasoning: false }),
    );
  });

  it('says the same whatever the timing', async () => {
    const timed = createSyntheticAdapter({ prefillMs: 5, stallProbability: 0.3, stallMs: 5 });
    const params = { seed: 7, max_tokens: 40, tokens_per_second: 4_000 };
    expect(await collect(timed, request(params))).toEqual(await generate(params));
  });

  it('generates 10,000 items quickly when there are no delays', async () => {
    const started = performance.now();
    expect(tokens(await generate({ max_tokens: 10_000 }))).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each<[string, GenerationParams]>([
    ['max_tokens', { max_tokens: 0 }],
    ['max_tokens', { max_tokens: 1.5 }],
    ['max_tokens', { max_tokens: 'ten' }],
    ['max_tokens', { max_tokens: MAX_TOKENS_LIMIT + 1 }],
    ['tokens_per_second', { tokens_per_second: -1 }],
    ['prefill_ms', { prefill_ms: -1 }],
    ['prefill_ms', { prefill_ms: MAX_PREFILL_MS + 1 }],
    ['reasoning', { reasoning: 'yes' }],
    ['thinking', { thinking: true }],
    ['thinking', { thinking: { type: 'sometimes' } }],
    ['max_completion_tokens', { max_completion_tokens: 0 }],
    ['max_completion_tokens', { max_completion_tokens: '5' }],
    ['tools', { tools: 1 }],
    ['tools', { tools: { type: 'function' } }],
    ['seed', { seed: true }],
    ['seed', { seed: [1] }],
  ])('refuses a bad %s as invalid_request', async (name, params) => {
    const failure = generate(params).catch((error: unknown) => error);
    expect(await failure).toBeInstanceOf(AdapterError);
    expect(await failure).toMatchObject({ code: 'invalid_request' });
    expect(String(((await failure) as Error).message)).toContain(name);
  });

  it('refuses options out of range', () => {
    expect(() => createSyntheticAdapter({ tokensPerSecond: -1 })).toThrow(RangeError);
    expect(() => createSyntheticAdapter({ defaultTokens: [10, 5] })).toThrow(RangeError);
    expect(() => createSyntheticAdapter({ stallProbability: 2 })).toThrow(RangeError);
    expect(createSyntheticAdapter(SYNTHETIC_DEFAULTS).name).toBe('synthetic');
    expect(createSyntheticAdapter({ tokensPerSecond: undefined }).name).toBe('synthetic');
  });
});
