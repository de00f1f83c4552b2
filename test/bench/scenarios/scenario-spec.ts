/**
 * The scenarios of spool-bench and their two sizes: `quick` (a smoke test, every scenario tiny,
 * for CI) and `full` (sized for this 2-core machine: the whole `pnpm bench` in about 30 minutes;
 * `expectedSeconds` says how each run was sized).
 */
import type { Behaviour } from '../shared/assignment.ts';
import type { BaselineName, ScenarioSpec } from './scenario-types.ts';

const normal = (): Behaviour => ({ kind: 'normal' });
/** Deterministic per index, so runs are comparable. */
const unit = (index: number, salt: number) => {
  const x = Math.sin(index * 12.9898 + salt * 78.233) * 43_758.5453;
  return x - Math.floor(x);
};
const paced = (stream: number) => 30 + Math.round(50 * unit(stream, 1));
const thousands = (value: number) => value.toLocaleString('en-US');

export function scenarios(quick: boolean): ScenarioSpec[] {
  const size = <T>(quickValue: T, fullValue: T) => (quick ? quickValue : fullValue);
  const base = {
    readersPerStream: 1,
    arrivals: 'even' as const,
    wsShare: 0.8,
    window: 256,
    behaviour: normal,
    gateways: 2,
    workers: 2,
    clientProcesses: 2,
    deadlineMs: size(20_000, 60_000),
  };
  /** gRPC beside WebSocket and SSE (the steady and throughput scenarios): latency by transport. */
  const transportMix = { wsShare: 0.4, grpcShare: 0.4 };
  /** Quick mode smoke-tests each baseline once (in steady), not in every scenario. */
  const baselines = (...names: BaselineName[]) => (quick ? [] : names);
  /** The key scenarios: Spool and resumable-stream three times each, in turn; medians. */
  const medians = {
    runs: size(1, 3),
    repeated: ['spool' as const, 'resumable' as const],
    representative: 'latency p50' as const,
  };
  const steadyStreams = size(60, 1_000);
  const steadyTokens = size(40, 400);
  const lightStreams = size(20, 200);
  const lightTokens = size(60, 600);
  const burstStreams = size(60, 1_000);
  const rampSeconds = size(4, 45);
  const rampStreams = size(100, 3_000);
  const connectionStreams = size(4, 100);
  const connectionReaders = size(50, 100);
  const pausedStreams = size(3, 30);
  const pausedTokens = size(2_000, 20_000);
  return [
    {
      ...base,
      ...medians,
      name: 'steady-light',
      title: `${thousands(lightStreams)} streams × ${lightTokens} tokens at 50 tokens/s, Poisson arrivals over ${size('0.5', '4')} s: a load the machine is not saturated by`,
      streams: lightStreams,
      tokens: () => lightTokens,
      rate: () => 50,
      arrivals: 'poisson',
      startSpreadMs: size(500, 4_000),
      baselines: baselines('raw', 'naive', 'resumable'),
      expectedSeconds: size(7, 28),
    },
    {
      ...base,
      ...medians,
      name: 'steady',
      // WebSocket, gRPC and SSE readers side by side: 40 % / 40 % / 20 %.
      ...transportMix,
      title: `${thousands(steadyStreams)} streams × ${steadyTokens} tokens at 30–80 tokens/s, Poisson arrivals over ${size('0.5', '2')} s`,
      streams: steadyStreams,
      tokens: () => steadyTokens,
      rate: paced,
      arrivals: 'poisson',
      startSpreadMs: size(500, 2_000),
      baselines: ['raw', 'naive', 'resumable'],
      expectedSeconds: size(7, 30),
    },
    {
      ...base,
      ...medians,
      name: 'burst',
      title: `${thousands(burstStreams)} creates at once, then ${size(40, 200)} tokens each at 50 tokens/s`,
      streams: burstStreams,
      tokens: () => size(40, 200),
      rate: () => 50,
      startSpreadMs: 0,
      baselines: baselines('raw', 'resumable'),
      expectedSeconds: size(7, 26),
    },
    {
      ...base,
      name: 'throughput',
      ...transportMix,
      title: `${size(20, 100)} streams, as fast as each system goes (tokens per stream: ${quick ? '1,000' : 'Spool and naive relay 20,000, raw limit 50,000, resumable-stream 2,000, so each run lasts seconds'})`,
      streams: size(20, 100),
      tokens: () => 1_000,
      runs: size(1, 3),
      representative: 'tokens/s',
      tokensBySystem: quick
        ? undefined
        : { spool: 20_000, naive: 20_000, raw: 50_000, resumable: 2_000 },
      rate: () => 0,
      startSpreadMs: 0,
      window: 1_024,
      baselines: baselines('raw', 'naive', 'resumable'),
      expectedSeconds: size(6, 15),
    },
    {
      ...base,
      name: 'slow-readers',
      title: `${thousands(steadyStreams)} streams × ${steadyTokens} tokens at 30–80 tokens/s, 30% of readers slow (a tenth of the rate for 5 s) or paused (3 s)`,
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
      baselines: [],
      expectedSeconds: size(7, 25),
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
      baselines: baselines('naive', 'resumable'),
      expectedSeconds: size(6, 18),
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
      baselines: baselines('naive', 'resumable'),
      expectedSeconds: size(7, 22),
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
      baselines: baselines('naive', 'resumable'),
      expectedSeconds: size(7, 22),
    },
    {
      ...base,
      name: 'ramp',
      title: `streams added steadily up to ${thousands(rampStreams)} over ${rampSeconds} s at 50 tokens/s`,
      streams: rampStreams,
      // Every stream ends at the end of the ramp, so concurrency only grows.
      tokens: (stream) => Math.max(20, Math.round(rampSeconds * 50 * (1 - stream / rampStreams))),
      rate: () => 50,
      startSpreadMs: rampSeconds * 1_000,
      deadlineMs: rampSeconds * 1_000 + size(10_000, 25_000),
      baselines: baselines('resumable', 'raw'),
      expectedSeconds: size(9, 92),
    },
    {
      ...base,
      name: 'connections',
      title: `${thousands(connectionStreams * connectionReaders)} connections on one gateway (half WebSocket, half SSE): ${connectionStreams} streams × ${connectionReaders} readers at 5 tokens/s`,
      streams: connectionStreams,
      readersPerStream: connectionReaders,
      tokens: () => size(12, 300),
      rate: () => 5,
      startSpreadMs: 0,
      // 10,000 connections over 30 s (333 a second), then 30 s with all of them open.
      connectSpreadMs: size(1_000, 30_000),
      wsShare: 0.5,
      gateways: 1,
      workers: 1,
      clientProcesses: size(2, 4),
      deadlineMs: size(20_000, 120_000),
      baselines: [],
      expectedSeconds: size(10, 105),
    },
    {
      ...base,
      name: 'paused-readers',
      title: `${pausedStreams} streams × ${thousands(pausedTokens)} tokens as fast as the model goes, on one gateway and one worker, read by readers that stop reading for the whole generation`,
      streams: pausedStreams,
      tokens: () => pausedTokens,
      rate: () => 0,
      startSpreadMs: 0,
      gateways: 1,
      workers: 1,
      deadlineMs: size(30_000, 120_000),
      baselines: [],
      // CPU while stopped is a few 10 ms ticks: the medians of three runs are judged.
      runs: size(1, 3),
      paused: {
        // Quick mode keeps the reference and the ten-per-stream variants.
        variants: [
          { transport: 'none', readersPerStream: 0 },
          ...(quick ? [] : [{ transport: 'sse' as const, readersPerStream: 1 }]),
          { transport: 'sse', readersPerStream: 10 },
          { transport: 'sse-acks', readersPerStream: 10 },
          ...(quick ? [] : [{ transport: 'ws' as const, readersPerStream: 1 }]),
          { transport: 'ws', readersPerStream: 10 },
        ],
        afterItems: 100,
        holdMs: size(500, 5_000),
      },
      expectedSeconds: size(5, 22),
    },
  ];
}
