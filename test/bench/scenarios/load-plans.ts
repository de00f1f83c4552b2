/** Turns a scenario into connection plans for one system, and spreads them over processes. */
import type { ConnectionPlan, CreateRequest, SystemName } from '../shared/assignment.ts';
import { arrivalTimes } from './arrivals.ts';
import { harnessCreates, type ScenarioSpec } from './scenario-types.ts';

export function requestOf(spec: ScenarioSpec, stream: number, system: SystemName): CreateRequest {
  return {
    prompt: `spool-bench ${spec.name} stream ${stream}`,
    params: {
      tokens_per_second: spec.rate(stream),
      max_tokens: spec.tokensBySystem?.[system] ?? spec.tokens(stream),
      seed: stream,
      reasoning: false,
    },
  };
}

/** When stream `stream` starts (ms after the epoch): the same for every system. */
export function startOf(spec: ScenarioSpec, stream: number): number {
  const times = arrivalTimes({
    arrivals: spec.arrivals,
    streams: spec.streams,
    spreadMs: spec.startSpreadMs,
  });
  return times[stream] ?? 0;
}

export interface SystemEndpoints {
  system: Exclude<SystemName, 'raw'>;
  readUrls: string[];
  /** gRPC `host:port` of the same servers, when they serve it (Spool with SPOOL_GRPC_PORT). */
  grpcTargets?: string[] | undefined;
  /** Where a reader of this connection creates its stream. */
  createUrl(readUrl: string): string;
}

/** The stream key of a fan-out stream (created by the harness, named in the start line). */
export const streamKey = (stream: number) => `s${stream}`;

export function connectionPlans(spec: ScenarioSpec, endpoints: SystemEndpoints): ConnectionPlan[] {
  const plans: ConnectionPlan[] = [];
  const servers = endpoints.readUrls.length;
  const connections = spec.streams * spec.readersPerStream;
  const creates = !harnessCreates(spec);
  /**
   * Readers of harness-created streams connect evenly over `connectSpreadMs` (default: at once),
   * every stream gaining readers all along.
   */
  const connectAt = (stream: number, reader: number) =>
    Math.round(
      ((spec.connectSpreadMs ?? 0) * (reader * spec.streams + stream)) / Math.max(1, connections),
    );
  for (let stream = 0; stream < spec.streams; stream++) {
    for (let reader = 0; reader < spec.readersPerStream; reader++) {
      const index = plans.length;
      const transport = transportOf(spec, endpoints, index);
      const readUrls = Array.from(
        { length: servers },
        (_, step) => endpoints.readUrls[(index + step) % servers] as string,
      );
      plans.push({
        index,
        system: endpoints.system,
        transport,
        ...(endpoints.grpcTargets === undefined
          ? {}
          : {
              grpcTargets: Array.from(
                { length: servers },
                (_, step) => endpoints.grpcTargets?.[(index + step) % servers] as string,
              ),
            }),
        createUrls: creates ? readUrls.map((url) => endpoints.createUrl(url)) : undefined,
        create: creates ? requestOf(spec, stream, endpoints.system) : undefined,
        joinKey: creates ? undefined : streamKey(stream),
        readUrls,
        startAtMs: startOf(spec, stream) + (creates ? 0 : connectAt(stream, reader)),
        window: spec.window,
        ...(spec.sseSubscriptions && transport === 'sse' ? { subscription: true } : {}),
        behaviour: spec.behaviour(index),
      });
    }
  }
  return plans;
}

/**
 * A Spool reader's transport, by its index modulo 10: the first `wsShare` tenths WebSocket, the
 * next `grpcShare` tenths gRPC (when the servers serve it, else WebSocket), the rest SSE.
 */
function transportOf(
  spec: ScenarioSpec,
  endpoints: SystemEndpoints,
  index: number,
): 'ws' | 'sse' | 'grpc' {
  if (endpoints.system !== 'spool') return 'sse';
  const tenth = index % 10;
  const ws = spec.wsShare * 10;
  const grpc = (spec.grpcShare ?? 0) * 10;
  if (tenth < ws) return 'ws';
  if (tenth < ws + grpc) return endpoints.grpcTargets === undefined ? 'ws' : 'grpc';
  return 'sse';
}

/** Round robin, so every process gets a share of each kind of reader and of each start time. */
export function spread<T>(items: readonly T[], parts: number): T[][] {
  const groups: T[][] = Array.from({ length: parts }, () => []);
  for (const [index, item] of items.entries()) groups[index % parts]?.push(item);
  return groups;
}
