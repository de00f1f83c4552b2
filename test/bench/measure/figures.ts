/**
 * The figures of one measured run (one system in one scenario): latencies, throughput, wire
 * cost, resources, resumes, and the integrity counts (lost, duplicated, content mismatches).
 */
import type { ConnectionReport } from '../shared/assignment.ts';
import type { ResourceReport } from '../system/resource-sampler.ts';
import { forEachDelivery } from './deliveries.ts';
import { type Percentiles, Samples, samplesOf } from './samples.ts';
import type { StreamTruth } from './stream-truth.ts';

export interface Integrity {
  /** Items a reader never got (gaps, and the rest of a stream it gave up on). */
  lost: number;
  duplicated: number;
  /** Readers whose content checksum differs from the stream's though no item was lost or repeated. */
  contentMismatches: number;
  /** Readers that did not reach the stream's end (failed, or cut at the deadline). */
  unfinished: number;
  failedConnections: number;
  /** A few error messages, for the report. */
  sampleErrors: string[];
}

export interface RoleUsage {
  role: string;
  processes: number;
  cpuPercent: number;
  rssMaxMB: number;
}

/**
 * The processes a system needs to deliver, whatever it calls them: gateways or servers, workers
 * or producers, and its Redis. The load clients (and the raw limit's XREAD readers) are not in.
 */
export const SERVER_ROLES: readonly string[] = ['gateway', 'server', 'worker', 'producer', 'redis'];

export interface Figures {
  connections: number;
  streams: number;
  seconds: number;
  ttft: Percentiles | null;
  modelFirstToken: Percentiles | null;
  addedTtft: Percentiles | null;
  latency: Percentiles | null;
  catchUpLatency: Percentiles | null;
  /** Latency of live items per reader class (e.g. fast / slow). */
  latencyByClass: Record<string, Percentiles | null>;
  latencyByTransport: Record<string, Percentiles | null>;
  itemsDelivered: number;
  tokensDelivered: number;
  tokensPerSecond: number;
  bytesPerToken: number;
  resume: (Percentiles & { attempts: number }) | null;
  integrity: Integrity;
  roles: RoleUsage[];
  /** CPU seconds of every server-side process (SERVER_ROLES) over the run. */
  serverCpuSeconds: number;
  /** `serverCpuSeconds` per million tokens delivered (to all readers together). */
  cpuPerMillionTokens: number | null;
  machine: ResourceReport['machine'];
  redis: { cpuPercent: number; usedMemoryMaxMB: number } | null;
}

const MB = 1024 * 1024;

export function computeFigures(input: {
  reports: readonly ConnectionReport[];
  truths: ReadonlyMap<string, StreamTruth>;
  resources: ResourceReport;
  classOf?: (report: ConnectionReport) => string;
  /** Readers cut by a planned deadline count as unfinished, not lost (the ramp). */
  deadlineIsExpected?: boolean;
}): Figures {
  const { reports, truths, resources } = input;
  const latency = new Samples();
  const catchUp = new Samples();
  const byClass = new Map<string, Samples>();
  const byTransport = new Map<string, Samples>();
  let tokens = 0;
  let items = 0;
  let firstStart = Infinity;
  let lastReceive = 0;
  forEachDelivery(reports, truths, (delivery) => {
    items++;
    if (delivery.truth.isToken[delivery.offset]) tokens++;
    lastReceive = Math.max(lastReceive, delivery.receivedAt);
    const value = delivery.receivedAt - delivery.appendedAt;
    if (!delivery.live) return catchUp.add(value);
    latency.add(value);
    samplesOf(byTransport, delivery.report.transport).add(value);
    const name = input.classOf?.(delivery.report);
    if (name !== undefined) samplesOf(byClass, name).add(value);
  });
  const ttft = new Samples();
  const model = new Samples();
  const added = new Samples();
  const resume = new Samples();
  let resumeAttempts = 0;
  let bytes = 0;
  for (const report of reports) {
    bytes += report.bytes;
    firstStart = Math.min(firstStart, report.chunks[2] ?? Infinity);
    for (const attempt of report.resumes) {
      resumeAttempts++;
      if (attempt.firstItemAt !== undefined) resume.add(attempt.firstItemAt - attempt.startedAt);
    }
    const truth = report.streamId === undefined ? undefined : truths.get(report.streamId);
    if (!truth || report.createSentAt === undefined || truth.firstToken < 0) continue;
    const firstAt = firstReceipt(report, truth.firstToken);
    const appendedAt = truth.appendedAt[truth.firstToken] as number;
    model.add(appendedAt - report.createSentAt);
    if (firstAt === undefined) continue;
    ttft.add(firstAt - report.createSentAt);
    added.add(firstAt - appendedAt);
  }
  const seconds = Math.max(0.001, (lastReceive - firstStart) / 1_000);
  const serverCpuSeconds = resources.processes
    .filter((usage) => SERVER_ROLES.includes(usage.role))
    .reduce((sum, usage) => sum + usage.cpuSeconds, 0);
  return {
    connections: reports.length,
    streams: new Set(reports.map((report) => report.streamId)).size,
    seconds,
    ttft: ttft.percentiles(),
    modelFirstToken: model.percentiles(),
    addedTtft: added.percentiles(),
    latency: latency.percentiles(),
    catchUpLatency: catchUp.percentiles(),
    latencyByClass: Object.fromEntries(
      [...byClass].map(([name, samples]) => [name, samples.percentiles()]),
    ),
    latencyByTransport: Object.fromEntries(
      [...byTransport].map(([name, samples]) => [name, samples.percentiles()]),
    ),
    itemsDelivered: items,
    tokensDelivered: tokens,
    tokensPerSecond: tokens / seconds,
    bytesPerToken: tokens > 0 ? bytes / tokens : 0,
    resume:
      resumeAttempts > 0
        ? { attempts: resumeAttempts, ...(resume.percentiles() ?? empty()) }
        : null,
    integrity: integrity(reports, truths, input.deadlineIsExpected ?? false),
    roles: roles(resources),
    serverCpuSeconds,
    cpuPerMillionTokens: tokens > 0 ? (serverCpuSeconds * 1e6) / tokens : null,
    machine: resources.machine,
    redis:
      resources.redis.usedMemoryMaxBytes > 0
        ? {
            cpuPercent: (100 * resources.redis.cpuSeconds) / resources.seconds,
            usedMemoryMaxMB: resources.redis.usedMemoryMaxBytes / MB,
          }
        : null,
  };
}

function empty(): Percentiles {
  return { count: 0, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN };
}

function firstReceipt(report: ConnectionReport, offset: number): number | undefined {
  const { chunks } = report;
  for (let index = 0; index + 2 < chunks.length; index += 3) {
    if ((chunks[index] as number) <= offset && offset < (chunks[index + 1] as number)) {
      return chunks[index + 2];
    }
  }
  return undefined;
}

function integrity(
  reports: readonly ConnectionReport[],
  truths: ReadonlyMap<string, StreamTruth>,
  deadlineIsExpected: boolean,
): Integrity {
  const result: Integrity = {
    lost: 0,
    duplicated: 0,
    contentMismatches: 0,
    unfinished: 0,
    failedConnections: 0,
    sampleErrors: [],
  };
  for (const report of reports) {
    const truth = report.streamId === undefined ? undefined : truths.get(report.streamId);
    result.duplicated += report.duplicates;
    if (report.failed !== undefined) result.failedConnections++;
    for (const error of [...report.errors, ...(report.failed ? [report.failed] : [])]) {
      if (result.sampleErrors.length < 8 && !result.sampleErrors.includes(error)) {
        result.sampleErrors.push(error);
      }
    }
    if (!truth) {
      result.unfinished++;
      continue;
    }
    const cutByDeadline = deadlineIsExpected && report.failed === 'deadline';
    if (!report.ended) result.unfinished++;
    result.lost += report.gaps + (cutByDeadline ? 0 : Math.max(0, truth.length - report.next));
    if (
      report.ended &&
      report.gaps === 0 &&
      report.duplicates === 0 &&
      report.hash !== truth.hash
    ) {
      result.contentMismatches++;
    }
  }
  return result;
}

function roles(resources: ResourceReport): RoleUsage[] {
  const byRole = new Map<string, RoleUsage>();
  for (const usage of resources.processes) {
    const role = byRole.get(usage.role) ?? {
      role: usage.role,
      processes: 0,
      cpuPercent: 0,
      rssMaxMB: 0,
    };
    role.processes++;
    role.cpuPercent += (100 * usage.cpuSeconds) / resources.seconds;
    role.rssMaxMB = Math.max(role.rssMaxMB, usage.rssMaxBytes / MB);
    byRole.set(usage.role, role);
  }
  return [...byRole.values()];
}
