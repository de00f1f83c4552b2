/**
 * Joins what readers received with what the streams hold: every item a reader got for the first
 * time, with its delivery latency (receive time − append time) and whether it was live (appended
 * after the reader's latest (re)subscription was sent) or catch-up (it was already there).
 * Clocks: both times come from this machine's realtime clock; append times are whole ms
 * (floored), so a latency is overstated by 0–1 ms.
 */
import type { ConnectionReport } from '../shared/assignment.ts';
import type { StreamTruth } from './stream-truth.ts';

export interface Delivery {
  report: ConnectionReport;
  truth: StreamTruth;
  offset: number;
  receivedAt: number;
  appendedAt: number;
  live: boolean;
}

export function forEachDelivery(
  reports: readonly ConnectionReport[],
  truths: ReadonlyMap<string, StreamTruth>,
  visit: (delivery: Delivery) => void,
): void {
  for (const report of reports) {
    const truth = report.streamId === undefined ? undefined : truths.get(report.streamId);
    if (!truth) continue;
    const { chunks, subscribes } = report;
    let covered = 0;
    let subscription = 0;
    for (let index = 0; index + 2 < chunks.length; index += 3) {
      const from = chunks[index] as number;
      const to = chunks[index + 1] as number;
      const receivedAt = chunks[index + 2] as number;
      while (
        subscription + 1 < subscribes.length &&
        (subscribes[subscription + 1]?.at ?? Infinity) <= receivedAt
      ) {
        subscription++;
      }
      const subscribedAt = subscribes[subscription]?.at ?? 0;
      for (let offset = Math.max(from, covered); offset < Math.min(to, truth.length); offset++) {
        const appendedAt = truth.appendedAt[offset] as number;
        visit({
          report,
          truth,
          offset,
          receivedAt,
          appendedAt,
          live: appendedAt >= Math.floor(subscribedAt),
        });
      }
      covered = Math.max(covered, to);
    }
  }
}
