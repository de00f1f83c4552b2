/**
 * The gateways' own view, from `/metrics`: the `spool_delivery_lag_seconds` histogram (append →
 * written to the socket), summed over gateways. A cross-check of the clients' figures: the
 * difference is what the kernel and the client process add.
 */
export interface ServerLag {
  count: number;
  /** Upper bucket bound (ms) under which 50% / 99% of the items were written. */
  p50AtMost: number;
  p99AtMost: number;
}

export async function scrapeServerLag(urls: readonly string[]): Promise<ServerLag | null> {
  const buckets = new Map<number, number>();
  for (const url of urls) {
    const text = await fetch(`${url}/metrics`)
      .then((response) => response.text())
      .catch(() => '');
    for (const match of text.matchAll(
      /^spool_delivery_lag_seconds_bucket\{le="([^"]+)"[^}]*\} (\d+)/gm,
    )) {
      const bound = match[1] === '+Inf' ? Infinity : Number(match[1]) * 1_000;
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
    }
  }
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const count = sorted.at(-1)?.[1] ?? 0;
  if (count === 0) return null;
  const bound = (quantile: number) =>
    sorted.find(([, cumulative]) => cumulative >= quantile * count)?.[0] ?? Infinity;
  return { count, p50AtMost: bound(0.5), p99AtMost: bound(0.99) };
}
