/** What a scenario of spool-bench is made of; the scenarios themselves are in scenario-spec.ts. */
import type { Behaviour, SystemName } from '../shared/assignment.ts';
import type { Arrivals } from './arrivals.ts';

export type ScenarioName =
  | 'steady-light'
  | 'steady'
  | 'burst'
  | 'throughput'
  | 'slow-readers'
  | 'fan-out'
  | 'churn'
  | 'gateway-kill'
  | 'ramp'
  | 'connections'
  | 'paused-readers';

export type BaselineName = 'raw' | 'naive' | 'resumable';

/**
 * paused-readers: who reads. `none`: nobody (the reference); `sse`: plain SSE, where what the
 * socket accepted counts as acknowledged; `sse-acks`: SSE through a subscription, acknowledging
 * by POST; `ws`: WebSocket with acks.
 */
export type PausedTransport = 'none' | 'sse' | 'sse-acks' | 'ws';

/** How the report names each kind of reader (the labels end with it). */
export const TRANSPORT_NAMES: Record<PausedTransport, string> = {
  none: 'no readers',
  sse: 'SSE',
  'sse-acks': 'SSE with acks',
  ws: 'WebSocket',
};

/** The kinds of readers the report judges, each beside nobody reading. */
export const READER_NAMES = [TRANSPORT_NAMES.sse, TRANSPORT_NAMES['sse-acks'], TRANSPORT_NAMES.ws];

/** paused-readers: one run per variant, each on a fresh gateway. */
export interface PausedVariant {
  transport: PausedTransport;
  readersPerStream: number;
}

export interface PausedPlan {
  variants: PausedVariant[];
  /** Items a reader reads before it stops reading. */
  afterItems: number;
  /** How long readers stay stopped after every stream has ended. */
  holdMs: number;
}

export interface ScenarioSpec {
  name: ScenarioName;
  title: string;
  streams: number;
  readersPerStream: number;
  /** Token items per stream (stream index → count). */
  tokens: (stream: number) => number;
  /**
   * Throughput only: token items per stream for a system, so that each run lasts long enough to
   * measure (a few seconds) however fast or slow the system is.
   */
  tokensBySystem?: Partial<Record<SystemName, number>>;
  /** Mean rate per stream (stream index → tokens/s; 0 = as fast as possible). */
  rate: (stream: number) => number;
  /** Streams start over this many ms (on average, for Poisson arrivals). */
  startSpreadMs: number;
  arrivals: Arrivals;
  /** Readers of harness-created streams (readersPerStream > 1) connect evenly over this many ms. */
  connectSpreadMs?: number;
  /** Share of Spool readers on WebSocket; the rest use SSE (or gRPC). Baselines are SSE only. */
  wsShare: number;
  /** Share of Spool readers on gRPC `Read`, after the WebSocket share (default 0). */
  grpcShare?: number;
  /** Spool's SSE readers read through a subscription and acknowledge by POST (default: plain). */
  sseSubscriptions?: boolean;
  window: number;
  behaviour: (connection: number) => Behaviour;
  /** Reader class for per-class latency (fast / slow). */
  classOf?: (behaviour: Behaviour) => string;
  gateways: number;
  workers: number;
  clientProcesses: number;
  /** Extra environment of Spool's gateways (a limit the scenario needs raised). */
  gatewayEnv?: Record<string, string>;
  /** Every reader still open this long after the start is abandoned. */
  deadlineMs: number;
  /** gateway-kill: SIGKILL the first gateway (or the baseline's server) at this time. */
  killAtMs?: number;
  baselines: BaselineName[];
  /** Runs of the systems in `repeated` (the others run once); medians are reported. */
  runs?: number;
  repeated?: SystemName[];
  /** Which run's full tables are shown when a system ran several times. */
  representative?: 'tokens/s' | 'latency p50';
  paused?: PausedPlan;
  /** Rough seconds one run of one system takes here, start-up included (the expected duration). */
  expectedSeconds: number;
}

/** Whether the harness creates the streams (right before the start) and readers join them. */
export function harnessCreates(spec: ScenarioSpec): boolean {
  return spec.readersPerStream > 1 || spec.paused !== undefined;
}

/** How many runs each system of a scenario gets. */
export function runsOf(spec: ScenarioSpec, system: SystemName): number {
  const repeated = spec.repeated ?? ['spool', ...spec.baselines];
  return repeated.includes(system) ? (spec.runs ?? 1) : 1;
}

/** The systems of a scenario: Spool, then its baselines (none with `--no-baselines`). */
export function systemsOf(spec: ScenarioSpec, withBaselines: boolean): SystemName[] {
  return ['spool', ...(withBaselines ? spec.baselines : [])];
}

/** Seconds the scenario is expected to take: its runs, each system, start-up included. */
export function expectedSecondsOf(spec: ScenarioSpec, withBaselines: boolean): number {
  const runs = systemsOf(spec, withBaselines).reduce(
    (sum, system) => sum + runsOf(spec, system),
    0,
  );
  return runs * spec.expectedSeconds * (spec.paused?.variants.length ?? 1);
}
