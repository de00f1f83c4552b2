/**
 * Where Spool's time goes, from its own histograms: `spool_stage_seconds{stage=…}` scraped from
 * the gateways' and the workers' `/metrics` (Prometheus text) at the start and the end of a run;
 * the difference holds what this run observed. Quantiles come from the buckets, interpolated
 * within a bucket as Prometheus's `histogram_quantile` does, so each is given with its bucket.
 *
 * The gateway's write stage (appended → written to the socket) is `stage="write"` where the
 * build has it, else the older `spool_delivery_lag_seconds`, which measures the same span.
 */
const STAGE_FAMILY = 'spool_stage_seconds';
const LAG_FAMILY = 'spool_delivery_lag_seconds';
const SCRAPE_TIMEOUT_MS = 3_000;

/** Cumulative bucket counts by upper bound (seconds; +Inf included), summed over series. */
type Buckets = Map<number, number>;

export interface StageSnapshot {
  stages: Map<string, Buckets>;
  deliveryLag: Buckets;
  /** Families seen in at least one scrape. */
  families: Set<string>;
  /** `url: why` for every endpoint that could not be scraped. */
  unreachable: string[];
}

export interface BucketQuantile {
  /** Interpolated value, ms. */
  ms: number;
  /** The bucket it fell in, ms (upper Infinity: past the last finite bound). */
  lowerMs: number;
  upperMs: number;
}

export interface StageFigure {
  stage: string;
  /** Which family it came from (`spool_stage_seconds` or the fallback); null: not exposed. */
  family: string | null;
  count: number;
  p50: BucketQuantile | null;
  p99: BucketQuantile | null;
}

export interface StageBreakdown {
  stages: StageFigure[];
  /** Stages the system did not expose at all (no family or no such label); in `stages` too. */
  missing: string[];
  unreachable: string[];
}

/** The stages the report names, in the order of one item's journey. */
export const STAGES = [
  'enqueue',
  'queue_wait',
  'model_first_token',
  'first_append',
  'notify',
  'write',
] as const;

export async function scrapeStages(urls: readonly string[]): Promise<StageSnapshot> {
  const snapshot: StageSnapshot = {
    stages: new Map(),
    deliveryLag: new Map(),
    families: new Set(),
    unreachable: [],
  };
  await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${url}/metrics`, {
          signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
        });
        if (!response.ok) throw new Error(`status ${response.status}`);
        addText(snapshot, await response.text());
      } catch (error) {
        snapshot.unreachable.push(`${url}: ${reasonOf(error)}`);
      }
    }),
  );
  return snapshot;
}

/** `ECONNREFUSED` rather than undici's bare `fetch failed`. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string } | undefined;
  return cause?.code ?? error.message;
}

const SAMPLE = /^(\w+)_bucket\{([^}]*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function addText(snapshot: StageSnapshot, text: string): void {
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, family, labelText = '', value] = match;
    if (family !== STAGE_FAMILY && family !== LAG_FAMILY) continue;
    const labels = Object.fromEntries(
      [...labelText.matchAll(LABEL)].map(([, name, text]) => [name, text]),
    );
    const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
    snapshot.families.add(family);
    let buckets: Buckets;
    if (family === LAG_FAMILY) buckets = snapshot.deliveryLag;
    else {
      const stage = labels.stage ?? '?';
      buckets = snapshot.stages.get(stage) ?? new Map();
      snapshot.stages.set(stage, buckets);
    }
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(value));
  }
}

function minus(after: Buckets, before: Buckets | undefined): Buckets {
  return new Map([...after].map(([bound, count]) => [bound, count - (before?.get(bound) ?? 0)]));
}

/** `histogram_quantile`: linear within the bucket the quantile falls in. */
export function bucketQuantile(buckets: Buckets, quantile: number): BucketQuantile | null {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = quantile * total;
  let lower = 0;
  let below = 0;
  for (const [upper, cumulative] of sorted) {
    if (cumulative >= rank) {
      const ms =
        upper === Infinity
          ? lower * 1_000
          : (lower + ((upper - lower) * (rank - below)) / Math.max(1, cumulative - below)) * 1_000;
      return { ms, lowerMs: lower * 1_000, upperMs: upper * 1_000 };
    }
    lower = upper;
    below = cumulative;
  }
  return null;
}

/** What the run observed per stage: end − start, then p50/p99 from the buckets. */
export function stageBreakdown(before: StageSnapshot, after: StageSnapshot): StageBreakdown {
  const figure = (stage: string, family: string, buckets: Buckets): StageFigure => {
    const count = Math.max(0, ...buckets.values());
    return {
      stage,
      family,
      count,
      p50: bucketQuantile(buckets, 0.5),
      p99: bucketQuantile(buckets, 0.99),
    };
  };
  const stages: StageFigure[] = [];
  const missing: string[] = [];
  const known = new Set<string>(STAGES);
  for (const stage of [...STAGES, ...[...after.stages.keys()].filter((name) => !known.has(name))]) {
    const buckets = after.stages.get(stage);
    if (buckets) stages.push(figure(stage, STAGE_FAMILY, minus(buckets, before.stages.get(stage))));
    else if (stage === 'write' && after.families.has(LAG_FAMILY)) {
      stages.push(figure(stage, LAG_FAMILY, minus(after.deliveryLag, before.deliveryLag)));
    } else {
      missing.push(stage);
      stages.push({ stage, family: null, count: 0, p50: null, p99: null });
    }
  }
  return { stages, missing, unreachable: [...new Set(after.unreachable)] };
}
