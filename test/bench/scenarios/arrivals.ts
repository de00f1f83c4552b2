/**
 * When streams start. `even`: one every `spread / streams` ms, the way a load generator paces.
 * `poisson`: independent users, a Poisson process of the same mean rate — exponential gaps
 * drawn from a seeded generator, so every system (and every run) gets the same schedule.
 */
export type Arrivals = 'even' | 'poisson';

/** The seed of every Poisson schedule: fixed, so runs and systems compare. */
export const ARRIVAL_SEED = 0x5eed;

/** mulberry32: a small seeded generator, uniform on [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const schedules = new Map<string, number[]>();

/** Start times (ms after the epoch) of `streams` streams, at `streams / spreadMs` a ms on average. */
export function arrivalTimes(input: {
  arrivals: Arrivals;
  streams: number;
  spreadMs: number;
  seed?: number;
}): readonly number[] {
  const { arrivals, streams, spreadMs } = input;
  const key = `${arrivals}:${streams}:${spreadMs}:${input.seed ?? ARRIVAL_SEED}`;
  let times = schedules.get(key);
  if (times) return times;
  if (arrivals === 'even' || spreadMs <= 0 || streams <= 1) {
    times = Array.from({ length: streams }, (_, stream) =>
      streams <= 1 ? 0 : Math.round((spreadMs * stream) / streams),
    );
  } else {
    const random = seededRandom(input.seed ?? ARRIVAL_SEED);
    const meanGap = spreadMs / streams;
    times = [];
    let at = 0;
    for (let stream = 0; stream < streams; stream++) {
      times.push(Math.round(at));
      at += -Math.log(1 - random()) * meanGap;
    }
  }
  schedules.set(key, times);
  return times;
}
