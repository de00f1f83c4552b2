/**
 * The scenarios of spool-bench and their two sizes: `quick` (a smoke test under a minute, for
 * CI) and `full` (sized for this 2-core machine: the whole run, baselines included, in under
 * ten minutes).
 */
import type { Behaviour, SystemName } from '../shared/assignment.ts';

export type ScenarioName =
  | 'steady'
  | 'throughput'
  | 'slow-readers'
  | 'fan-out'
  | 'churn'
  | 'gateway-kill'
  | 'ramp';

export type BaselineName = 'raw' | 'naive' | 'resumable';

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
  /** Streams start spread evenly over this many ms. */
  startSpreadMs: number;
  /** Share of Spool readers on WebSocket; the rest use SSE. Baselines are SSE only. */
  wsShare: number;
  window: number;
  behaviour: (connection: number) => Behaviour;
  /** Reader class for per-class latency (fast / slow). */
  classOf?: (behaviour: Behaviour) => string;
  gateways: number;
  workers: number;
  clientProcesses: number;
  /** Every reader still open this long after the start is abandoned. */
  deadlineMs: number;
  /** gateway-kill: SIGKILL the first gateway (or the baseline's server) at this time. */
  killAtMs?: number;
  baselines: BaselineName[];
  /** Runs per system; the median run (by tokens/s) is reported. */
  runs?: number;
}

const normal = (): Behaviour => ({ kind: 'normal' });
/** Deterministic per index, so runs are comparable. */
const unit = (index: number, salt: number) => {
  const x = Math.sin(index * 12.9898 + salt * 78.233) * 43_758.5453;
  return x - Math.floor(x);
};
const paced = (stream: number) => 30 + Math.round(50 * unit(stream, 1));

export function scenarios(quick: boolean): ScenarioSpec[] {
  const size = <T>(quickValue: T, fullValue: T) => (quick ? quickValue : fullValue);
  const base = {
    readersPerStream: 1,
    wsShare: 0.8,
    window: 256,
    behaviour: normal,
    gateways: 2,
    workers: 2,
    clientProcesses: 2,
  };
  /** Quick mode smoke-tests each baseline once (in steady), not in every scenario. */
  const baselines = (...names: BaselineName[]) => (quick ? [] : names);
  const steadyStreams = size(60, 1_000);
  const steadyTokens = size(40, 400);
  const rampSeconds = size(4, 30);
  const rampStreams = size(100, 2_000);
  return [
    {
      ...base,
      name: 'steady',
      title: `${steadyStreams.toLocaleString('en-US')} concurrent streams × ${steadyTokens} tokens at 30–80 tokens/s`,
      streams: steadyStreams,
      tokens: () => steadyTokens,
      rate: paced,
      startSpreadMs: size(500, 2_000),
      deadlineMs: size(20_000, 60_000),
      baselines: ['raw', 'naive', 'resumable'],
    },
    {
      ...base,
      name: 'throughput',
      title: `${size(20, 100)} streams, as fast as each system goes (tokens per stream: ${quick ? '1,000' : 'Spool and naive relay 15,000, raw limit 50,000, resumable-stream 2,000, so each run lasts seconds'})`,
      streams: size(20, 100),
      tokens: () => 1_000,
      runs: size(1, 3),
      tokensBySystem: quick
        ? undefined
        : { spool: 20_000, naive: 20_000, raw: 50_000, resumable: 2_000 },
      rate: () => 0,
      startSpreadMs: 0,
      window: 1_024,
      deadlineMs: size(20_000, 60_000),
      baselines: baselines('raw', 'naive', 'resumable'),
    },
    {
      ...base,
      name: 'slow-readers',
      title: `as steady, 30% of readers slow (a tenth of the rate for 5 s) or paused (3 s)`,
      streams: steadyStreams,
      tokens: () => steadyTokens,
      rate: paced,
      startSpreadMs: size(500, 2_000),
      behaviour: (connection) => {
        if (connection % 10 >= 3) return normal();
        return connection % 2 === 0
          ? { kind: 'slow', factor: 10, forMs: size(1_000, 5_000) }
          : { kind: 'pause', atMs: size(200, 500), forMs: size(800, 3_000) };
      },
      classOf: (behaviour) => (behaviour.kind === 'normal' ? 'fast' : 'slow'),
      deadlineMs: size(20_000, 60_000),
      baselines: [],
    },
    {
      ...base,
      name: 'fan-out',
      title: `${size(4, 10)} streams × ${size(20, 100)} readers each, ${steadyTokens} tokens at 50 tokens/s`,
      streams: size(4, 10),
      readersPerStream: size(20, 100),
      tokens: () => steadyTokens,
      rate: () => 50,
      startSpreadMs: 0,
      deadlineMs: size(20_000, 60_000),
      baselines: baselines('naive', 'resumable'),
    },
    {
      ...base,
      name: 'churn',
      title: `${size(60, 500)} streams, every reader drops 1–2 times and resumes (half on the other server)`,
      streams: size(60, 500),
      tokens: () => steadyTokens,
      rate: paced,
      startSpreadMs: size(500, 2_000),
      behaviour: (connection) => ({
        kind: 'churn',
        dropsAtMs: Array.from({ length: 1 + (connection % 2) }, (_, drop) =>
          Math.round(size(150, 300) + unit(connection, 10 + drop) * size(400, 4_500)),
        ).sort((a, b) => a - b),
        offlineMs: 100 + Math.round(200 * unit(connection, 20)),
        switchServer: connection % 2 === 0,
      }),
      deadlineMs: size(20_000, 60_000),
      baselines: baselines('naive', 'resumable'),
    },
    {
      ...base,
      name: 'gateway-kill',
      title: `${size(60, 500)} streams on two servers, one SIGKILLed mid-run`,
      streams: size(60, 500),
      tokens: () => steadyTokens,
      rate: paced,
      startSpreadMs: size(500, 2_000),
      killAtMs: size(900, 4_500),
      deadlineMs: size(20_000, 60_000),
      baselines: baselines('naive', 'resumable'),
    },
    {
      ...base,
      name: 'ramp',
      title: `streams added steadily up to ${rampStreams.toLocaleString('en-US')} over ${rampSeconds} s at 50 tokens/s`,
      streams: rampStreams,
      // Every stream ends at the end of the ramp, so concurrency only grows.
      tokens: (stream) => Math.max(20, Math.round(rampSeconds * 50 * (1 - stream / rampStreams))),
      rate: () => 50,
      startSpreadMs: rampSeconds * 1_000,
      deadlineMs: rampSeconds * 1_000 + size(10_000, 25_000),
      baselines: [],
    },
  ];
}
