/** A growable list of numbers and its percentiles. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class Samples {
  #values = new Float64Array(1_024);
  #count = 0;

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = value;
  }

  get count(): number {
    return this.#count;
  }

  percentiles(): Percentiles | null {
    if (this.#count === 0) return null;
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (quantile: number) =>
      sorted[Math.min(this.#count - 1, Math.ceil(quantile * this.#count) - 1)] as number;
    return {
      count: this.#count,
      p50: at(0.5),
      p99: at(0.99),
      p999: at(0.999),
      max: sorted[this.#count - 1] as number,
    };
  }
}

/** The samples of `key` in `map`, created on first use. */
export function samplesOf<K>(map: Map<K, Samples>, key: K): Samples {
  let samples = map.get(key);
  if (!samples) {
    samples = new Samples();
    map.set(key, samples);
  }
  return samples;
}
