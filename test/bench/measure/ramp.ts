/**
 * The ramp's knee: delivery latency p99 per second of the run (by append time) against the
 * number of streams open in that second; the knee is the first second with p99 over 100 ms
 * that the next second confirms (over it too), so one second's hiccup (a GC pause, a neighbour
 * on the machine) is not taken for the system's capacity.
 */
import type { ConnectionReport } from '../shared/assignment.ts';
import { forEachDelivery } from './deliveries.ts';
import { type Samples, samplesOf } from './samples.ts';
import type { StreamTruth } from './stream-truth.ts';

export interface RampBin {
  second: number;
  openStreams: number;
  p99: number;
  p50: number;
  items: number;
}

export interface RampResult {
  bins: RampBin[];
  thresholdMs: number;
  /** Open streams in the first second whose p99 passed the threshold (and the next's); null if none did. */
  knee: number | null;
  /** Most open streams in a second that stayed under the threshold. */
  maxUnder: number;
}

const MIN_ITEMS_PER_BIN = 100;

export function rampKnee(input: {
  reports: readonly ConnectionReport[];
  truths: ReadonlyMap<string, StreamTruth>;
  epoch: number;
  thresholdMs: number;
}): RampResult {
  const { reports, truths, epoch, thresholdMs } = input;
  const bins = new Map<number, Samples>();
  forEachDelivery(reports, truths, (delivery) => {
    if (!delivery.live) return;
    const second = Math.floor((delivery.appendedAt - epoch) / 1_000);
    samplesOf(bins, second).add(delivery.receivedAt - delivery.appendedAt);
  });
  // A stream is open from its create until its last item was appended; one that had not ended
  // when the run did stays open to the end.
  const spans = reports.flatMap((report) => {
    const truth = report.streamId === undefined ? undefined : truths.get(report.streamId);
    if (!truth || report.createSentAt === undefined || truth.length === 0) return [];
    const last = truth.appendedAt[truth.length - 1] as number;
    const end = truth.complete && Number.isFinite(last) ? last - epoch : Number.POSITIVE_INFINITY;
    return [[report.createSentAt - epoch, end]];
  });
  const result: RampBin[] = [];
  for (const second of [...bins.keys()].sort((a, b) => a - b)) {
    const figures = bins.get(second)?.percentiles();
    if (!figures || figures.count < MIN_ITEMS_PER_BIN) continue;
    const start = second * 1_000;
    const end = start + 1_000;
    const openStreams = spans.filter(([from = 0, to = 0]) => from < end && to >= start).length;
    result.push({ second, openStreams, p99: figures.p99, p50: figures.p50, items: figures.count });
  }
  const crossing = result.find(
    (bin, index) => bin.p99 > thresholdMs && (result[index + 1]?.p99 ?? Infinity) > thresholdMs,
  );
  const under = result.filter(
    (bin) => bin.p99 <= thresholdMs && (!crossing || bin.second < crossing.second),
  );
  return {
    bins: result,
    thresholdMs,
    knee: crossing ? crossing.openStreams : null,
    maxUnder: Math.max(0, ...under.map((bin) => bin.openStreams)),
  };
}
