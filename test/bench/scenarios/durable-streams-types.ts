/**
 * The durable-streams scenario's plan (quick and full sizes), what one run of one system
 * measured, and the medians over rounds that the report shows.
 */
import { Samples } from '../measure/samples.ts';
import type {
  DsAppendReport,
  DsCatchUpReport,
  DsLiveReaderReport,
} from '../shared/ds-assignment.ts';
import { addIntegrity, type DsIntegrity, noFaults } from '../shared/ds-messages.ts';

export type DsSystemName = 'spool' | 'reference-memory' | 'reference-file';

export const DS_SYSTEM_LABELS: Record<DsSystemName, string> = {
  spool: 'Spool (gateway + Redis)',
  'reference-memory': 'reference, in-memory store',
  'reference-file': 'reference, file store',
};

export interface DsPlan {
  quick: boolean;
  systems: DsSystemName[];
  rounds: number;
  /** Producers (and streams) per append variant, all at once. */
  producers: number;
  small: { messages: number; bytes: number };
  large: { messages: number; bytes: number };
  live: {
    messages: number;
    bytes: number;
    intervalMs: number;
    longPoll: number;
    sse: number;
  };
  /** The reference server's long-poll timeout (Spool keeps its own default). */
  longPollMs: number;
  /** Extra environment of Spool's gateway. */
  spoolEnv?: Record<string, string>;
  /** Rough seconds one run of one system takes here, start-up included. */
  expectedSeconds: number;
}

export function durableStreamsPlan(quick: boolean): DsPlan {
  const size = <T>(quickValue: T, fullValue: T) => (quick ? quickValue : fullValue);
  return {
    quick,
    systems: size(['spool', 'reference-memory'], ['spool', 'reference-memory', 'reference-file']),
    rounds: size(1, 3),
    producers: 4,
    small: { messages: size(50, 1_000), bytes: 100 },
    large: { messages: size(20, 500), bytes: 4_096 },
    live: {
      messages: size(40, 500),
      bytes: 100,
      intervalMs: size(10, 10),
      longPoll: 4,
      sse: 4,
    },
    longPollMs: 20_000,
    expectedSeconds: size(8, 40),
  };
}

export interface DsVariant {
  name: string;
  messages: number;
  bytes: number;
  idempotent: boolean;
}

/** The append variants: small and ~4 KB messages, plain and with idempotent-producer headers. */
export function dsVariants(plan: DsPlan): DsVariant[] {
  return [
    { name: 'small', ...plan.small, idempotent: false },
    { name: 'small-idempotent', ...plan.small, idempotent: true },
    { name: '4k', ...plan.large, idempotent: false },
    { name: '4k-idempotent', ...plan.large, idempotent: true },
  ];
}

export interface DsLatency {
  /** Samples (messages × readers of this mode that got them). */
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests (long-poll) or connections (SSE) the readers took. */
  requests: number;
  /** Its readers together. */
  integrity: DsIntegrity;
}

/** `2 lost, 1 repeated` (empty when nothing was wrong). */
export function faultText(integrity: DsIntegrity): string {
  return [
    integrity.lost > 0 ? `${integrity.lost} lost` : '',
    integrity.duplicated > 0 ? `${integrity.duplicated} repeated` : '',
    integrity.mismatched > 0 ? `${integrity.mismatched} changed or out of order` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export interface DsRun {
  system: DsSystemName;
  round: number;
  /** Why this system was not measured (e.g. a Spool build without the surface). */
  unavailable?: string;
  append: Record<string, DsAppendReport & { cpuSeconds: number }>;
  catchUp: Record<string, DsCatchUpReport & { cpuSeconds: number }>;
  /** From the POST's answer to receipt; `fromSent`: from the POST's sending (the append's own time included). */
  live: {
    'long-poll'?: DsLatency | null;
    sse?: DsLatency | null;
    fromSent?: { 'long-poll': DsLatency | null; sse: DsLatency | null };
    cpuSeconds?: number;
  };
  /** Every reader of every phase together. */
  integrity: DsIntegrity;
  /** Where a reader lost, repeated or changed messages (`live sse: 2 repeated`, …). */
  faults: string[];
  errors: string[];
}

export interface DsResult {
  plan: DsPlan;
  runs: DsRun[];
}

/** POST answer → receipt, over every reader of `mode` and every message it got (ms). */
export function latencyOf(
  reports: readonly DsLiveReaderReport[],
  mode: DsLiveReaderReport['mode'],
  answeredAt: readonly number[],
): DsLatency | null {
  const samples = new Samples();
  const integrity = noFaults();
  let requests = 0;
  for (const report of reports) {
    if (report.mode !== mode) continue;
    requests += report.requests;
    addIntegrity(integrity, report.integrity);
    report.receivedAt.forEach((at, seq) => {
      const answered = answeredAt[seq];
      if (at !== null && answered !== undefined) samples.add(at - answered);
    });
  }
  const percentiles = samples.percentiles();
  if (!percentiles) return null;
  return {
    count: percentiles.count,
    p50: percentiles.p50,
    p99: percentiles.p99,
    max: percentiles.max,
    requests,
    integrity,
  };
}
