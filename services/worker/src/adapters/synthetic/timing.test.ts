import { describe, expect, it } from 'vitest';
import { Random } from './random.ts';
import { SYNTHETIC_DEFAULTS } from './synthetic-adapter.ts';
import { Pacer, TimingModel, type TimingOptions } from './timing.ts';

const options = (overrides: Partial<TimingOptions> = {}): TimingOptions => ({
  ...SYNTHETIC_DEFAULTS,
  ...overrides,
});

function gaps(model: TimingModel, count: number): number[] {
  return Array.from({ length: count }, () => model.gapMs());
}

const mean = (values: number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

describe('TimingModel', () => {
  it('pauses longer before the first item for a longer prompt', () => {
    const model = (seed: number) => new TimingModel(options(), new Random(seed));
    for (let seed = 0; seed < 20; seed++) {
      const short = model(seed).prefillMs(100);
      const long = model(seed).prefillMs(40_000);
      expect(short).toBeGreaterThanOrEqual(SYNTHETIC_DEFAULTS.prefillMs * 0.8);
      expect(long).toBeGreaterThan(short + 500);
    }
  });

  it('has no delays at all at 0 tokens per second', () => {
    const model = new TimingModel(
      options({ tokensPerSecond: 0, stallProbability: 1 }),
      new Random(1),
    );
    expect(model.prefillMs(1_000_000)).toBe(0);
    expect(gaps(model, 1_000).every((gap) => gap === 0)).toBe(true);
  });

  it('decodes at the mean rate, with bursts that arrive together', () => {
    const model = new TimingModel(options({ stallProbability: 0 }), new Random(2));
    const values = gaps(model, 20_000);
    expect(mean(values)).toBeGreaterThan(20 * 0.9);
    expect(mean(values)).toBeLessThan(20 * 1.1);
    const zeros = values.filter((gap) => gap === 0).length;
    expect(zeros / values.length).toBeGreaterThan(0.05);
    expect(zeros / values.length).toBeLessThan(0.4);
    expect(Math.max(...values)).toBeGreaterThan(60); // jitter: some gaps far above the mean
  });

  it('stalls now and then, for less time when the rate is high', () => {
    const stalls = (tokensPerSecond: number) => {
      const model = new TimingModel(
        options({ tokensPerSecond, stallProbability: 0.01, stallMs: 400 }),
        new Random(3),
      );
      return gaps(model, 20_000).filter((gap) => gap >= 200 * Math.min(1, 50 / tokensPerSecond));
    };
    expect(stalls(50).length).toBeGreaterThan(100);
    expect(stalls(50).length).toBeLessThan(400);
    expect(Math.max(...stalls(50))).toBeLessThan(1_000);
    expect(Math.max(...stalls(1_000))).toBeLessThan(100);
  });
});

describe('Pacer', () => {
  it('keeps to the schedule: many short gaps take about their sum', async () => {
    const pacer = new Pacer(new AbortController().signal);
    const started = performance.now();
    for (let index = 0; index < 200; index++) await pacer.wait(0.5);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('throws the signal reason when aborted while waiting', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const waiting = new Pacer(controller.signal).wait(10_000);
    setTimeout(() => controller.abort(reason), 5);
    await expect(waiting).rejects.toBe(reason);
  });
});
