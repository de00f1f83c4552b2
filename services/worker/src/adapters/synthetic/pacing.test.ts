import type { NewItem } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import type { GenerationParams } from '../model-adapter.ts';
import { createSyntheticAdapter, type SyntheticOptions } from './synthetic-adapter.ts';
import { request, withOffsets } from './test-helpers.ts';

function start(options: Partial<SyntheticOptions>, params: GenerationParams, prefixOf?: NewItem[]) {
  const controller = new AbortController();
  const generation = createSyntheticAdapter(options).generate(request(params), {
    signal: controller.signal,
    prefix: prefixOf === undefined ? [] : withOffsets(prefixOf),
  });
  return { controller, iterator: generation[Symbol.asyncIterator]() };
}

async function timeRun(options: Partial<SyntheticOptions>, params: GenerationParams) {
  const { iterator } = start(options, params);
  const started = performance.now();
  let first: number | undefined;
  while (!(await iterator.next()).done) first ??= performance.now() - started;
  return { first: first ?? 0, total: performance.now() - started };
}

/** Every item of an uninterrupted run with no delays. */
async function wholeRun(params: GenerationParams): Promise<NewItem[]> {
  const whole: NewItem[] = [];
  const signal = new AbortController().signal;
  for await (const item of createSyntheticAdapter().generate(request(params), {
    signal,
    prefix: [],
  }))
    whole.push(item);
  return whole;
}

describe('synthetic adapter: timing and abort', () => {
  it('decodes at roughly the requested rate', async () => {
    // 60 tokens at 200 per second: 300 ms nominal. Loose bounds: machines are shared.
    const options = { prefillMs: 0, prefillMsPerKiloChar: 0, stallProbability: 0 };
    const { total } = await timeRun(options, { max_tokens: 60, tokens_per_second: 200 });
    expect(total).toBeGreaterThanOrEqual(300 * 0.25);
    expect(total).toBeLessThan(3_000);
  });

  it('pauses for the prefill before the first item', async () => {
    const options = { prefillMs: 150, stallProbability: 0 };
    const { first } = await timeRun(options, { max_tokens: 1, tokens_per_second: 1_000 });
    expect(first).toBeGreaterThanOrEqual(150 * 0.8 * 0.5);
  });

  it("takes a request's prefill_ms over the configured prefill", async () => {
    const options = { prefillMs: 10_000, stallProbability: 0 };
    const params = { max_tokens: 1, tokens_per_second: 1_000, prefill_ms: 0 };
    const { first } = await timeRun(options, params);
    expect(first).toBeLessThan(1_000);
  });

  it('continues without a prefill and without delays for the skipped part', async () => {
    const params = { max_tokens: 50, tokens_per_second: 0 };
    const whole = await wholeRun(params);
    const options = { prefillMs: 10_000, stallProbability: 0 };
    const { iterator } = start(
      options,
      { ...params, tokens_per_second: 1_000 },
      whole.slice(0, 40),
    );
    const started = performance.now();
    await iterator.next();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("gives a continuation's next item at once: on its schedule it is overdue", async () => {
    const params = { max_tokens: 50, tokens_per_second: 0 };
    const whole = await wholeRun(params);
    // At 0.2 tokens/s a gap averages 5 s: waiting one would take far longer than the bound.
    const options = { stallProbability: 0 };
    const slow = { ...params, tokens_per_second: 0.2 };
    const { controller, iterator } = start(options, slow, whole.slice(0, 40));
    const started = performance.now();
    expect((await iterator.next()).value).toEqual(whole[40]);
    expect(performance.now() - started).toBeLessThan(500);
    controller.abort();
  });

  it('throws at once when the signal is already aborted', async () => {
    const { controller, iterator } = start({}, {});
    const reason = new Error('cancelled before start');
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
  });

  it('stops during the prefill with the signal reason', async () => {
    const { controller, iterator } = start({ prefillMs: 10_000 }, { tokens_per_second: 50 });
    const reason = new Error('cancelled in prefill');
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 20);
    await expect(iterator.next()).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops during decoding with the signal reason and yields nothing more', async () => {
    const options = { prefillMs: 0, stallProbability: 0 };
    const { controller, iterator } = start(options, { tokens_per_second: 20 });
    for (let index = 0; index < 3; index++) await iterator.next();
    const reason = { code: 'cancelled' };
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 5);
    await expect(iterator.next()).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('stops between items when there are no delays', async () => {
    const { controller, iterator } = start({}, { tokens_per_second: 0 });
    for (let index = 0; index < 5; index++) await iterator.next();
    controller.abort('stop');
    await expect(iterator.next()).rejects.toBe('stop');
  });
});
