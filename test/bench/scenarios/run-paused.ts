/**
 * paused-readers (the backpressure issue): fast streams on one gateway and one worker, read by
 * readers that read a little, then stop reading — socket paused, no acks, so TCP backpressure
 * reaches the gateway — for the whole generation and a while after, then read to the end.
 * Each variant on a fresh system, `runs` times in turn: nobody reading (the reference), then plain
 * SSE, SSE through subscriptions (acks by POST) and WebSocket readers, one and ten per stream.
 */
import { sleep } from '@spool/runtime';
import { medianPaused, pausedFigures } from '../measure/paused-figures.ts';
import { scrapeStages } from '../measure/stage-metrics.ts';
import type { CreateRequest } from '../shared/assignment.ts';
import type { SpoolSystem } from '../system/spool-system.ts';
import { clientProcesses, createStreams } from './client-load.ts';
import { connectionPlans } from './load-plans.ts';
import { type LoadControl, runLoad } from './load-run.ts';
import { medianRun, type RunResult } from './run-result.ts';
import { metricsUrls, spoolOutcome, startSpool } from './run-spool.ts';
import {
  type PausedPlan,
  type PausedVariant,
  type ScenarioSpec,
  TRANSPORT_NAMES,
} from './scenario-types.ts';

/** How long to wait for every reader to stop before going on without the late ones. */
const HOLD_WAIT_MS = 30_000;

export function variantLabel(spec: ScenarioSpec, variant: PausedVariant): string {
  if (variant.transport === 'none') return TRANSPORT_NAMES.none;
  const readers = spec.streams * variant.readersPerStream;
  return `${readers.toLocaleString('en-US')} ${TRANSPORT_NAMES[variant.transport]}`;
}

/**
 * Every variant `spec.runs` times, in turn (a, b, c, a, b, c, …) so drift hits all alike; one
 * result per variant, its paused figures the medians of its runs (integrity summed over all).
 */
export async function runPausedReaders(spec: ScenarioSpec): Promise<RunResult[]> {
  const plan = spec.paused;
  if (!plan) throw new Error(`${spec.name} has no paused plan`);
  const runs = plan.variants.map((): RunResult[] => []);
  for (let round = 0; round < (spec.runs ?? 1); round++) {
    for (const [index, variant] of plan.variants.entries())
      runs[index]?.push(await runVariant(spec, plan, variant));
  }
  return runs.map((variantRuns) => {
    const result = medianRun(variantRuns, spec);
    return { ...result, paused: medianPaused(variantRuns.flatMap((run) => run.paused ?? [])) };
  });
}

async function runVariant(
  base: ScenarioSpec,
  plan: PausedPlan,
  variant: PausedVariant,
): Promise<RunResult> {
  const spec: ScenarioSpec = {
    ...base,
    readersPerStream: variant.readersPerStream,
    wsShare: variant.transport === 'ws' ? 1 : 0,
    sseSubscriptions: variant.transport === 'sse-acks',
    behaviour: () => ({ kind: 'hold', afterItems: plan.afterItems }),
  };
  const label = variantLabel(base, variant);
  const system = await startSpool(spec);
  try {
    const gateway = system.gateways[0];
    if (!gateway) throw new Error('no gateway');
    const plans = connectionPlans(spec, {
      system: 'spool',
      readUrls: [gateway.url],
      createUrl: (readUrl) => `${readUrl}/v1/streams`,
    });
    const requests = new Map<string, CreateRequest>();
    const streamIds: string[] = [];
    let heldReaders = 0;
    let idleGatewayRss: number[] = [];
    const stagesBefore = await scrapeStages(metricsUrls(system));
    const load = await runLoad({
      label: `${spec.name} · ${label}`,
      processes: clientProcesses(plans, spec),
      watched: system.watched(),
      redis: system.redis,
      deadlineMs: spec.deadlineMs,
      beforeStart: async () => {
        idleGatewayRss = await system.idleGatewayRss();
        const streams = await createStreams(spec, `${gateway.url}/v1/streams`, requests, 'spool');
        streamIds.push(...Object.values(streams));
        return streams;
      },
      during: async (control) => {
        heldReaders = await holdThenRelease({
          control,
          system,
          streamIds,
          readers: plans.length,
          holdMs: plan.holdMs,
        });
      },
    });
    const { result, truths } = await spoolOutcome({
      spec,
      system,
      plans,
      requests,
      load,
      stagesBefore,
      idleGatewayRss,
      variant: label,
    });
    const { marks } = load;
    const end = load.resources.startedAt + load.resources.seconds * 1_000;
    result.paused = pausedFigures({
      resources: load.resources,
      gateway: gateway.name,
      transport: variant.transport,
      readers: plans.length,
      streams: spec.streams,
      textProducedBytes: [...truths.values()].reduce((sum, truth) => sum + truth.textBytes, 0),
      heldReaders,
      heldAt: marks.held ?? load.epoch,
      endedAt: marks.ended ?? end,
      releasedAt: marks.released ?? end,
    });
    return result;
  } finally {
    await system.stop();
  }
}

/**
 * Waits until every reader has stopped reading and every stream has ended, holds the readers
 * `holdMs` more, then releases them. Returns how many readers were stopped at the window's start.
 */
async function holdThenRelease(input: {
  control: LoadControl;
  system: SpoolSystem;
  streamIds: readonly string[];
  readers: number;
  holdMs: number;
}): Promise<number> {
  const { control, system, streamIds } = input;
  try {
    await until(() => control.held().held >= input.readers, HOLD_WAIT_MS, control.deadline);
    const held = control.held().held;
    control.mark('held');
    await until(
      async () => (await system.ended(streamIds)).every(Boolean),
      Number.POSITIVE_INFINITY,
      control.deadline,
    );
    control.mark('ended');
    await sleep(input.holdMs, control.deadline);
    return held;
  } finally {
    control.mark('released');
    control.release();
  }
}

/** Polls `condition` until it holds, `timeoutMs` passes (false) or `signal` aborts (throws). */
async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > giveUpAt) return false;
    await sleep(100, signal);
  }
  return true;
}
