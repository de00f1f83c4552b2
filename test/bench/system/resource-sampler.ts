/**
 * Samples the CPU time and resident memory of the processes under test from /proc every
 * `intervalMs` (what `process_cpu_seconds_total` and `process_resident_memory_bytes` report,
 * read the same way for every process, Spool's or a baseline's), and Redis's own view
 * (`INFO cpu`, `INFO memory`) at the start and the end.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RedisClient } from '@spool/token-log';

const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

export interface WatchedProcess {
  name: string;
  role: string;
  pid: number;
}

export interface ProcessUsage {
  name: string;
  role: string;
  cpuSeconds: number;
  rssMaxBytes: number;
  rssEndBytes: number;
  /** [ms since the sampler started, RSS bytes] */
  rss: [number, number][];
  /** [ms since the sampler started, CPU seconds used since it started] */
  cpu: [number, number][];
}

export interface RedisUsage {
  cpuSeconds: number;
  usedMemoryMaxBytes: number;
  usedMemoryEndBytes: number;
  rssMaxBytes: number;
}

export interface ResourceReport {
  /** When sampling started, ms since 1970 (the series count from here). */
  startedAt: number;
  seconds: number;
  /** The whole machine: busy share of all cores over the run, and over its busiest second. */
  machine: { busyPercent: number; peakBusyPercent: number; cores: number };
  processes: ProcessUsage[];
  redis: RedisUsage;
}

export function readProc(pid: number): { cpu: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const rss = Number(fields[21]) * PAGE_BYTES;
    return { cpu, rss };
  } catch {
    return undefined;
  }
}

/** [busy, total] jiffies of all cores together, from the first line of /proc/stat. */
function machineTicks(): [number, number] {
  const fields =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ??
    [];
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return [total - idle, total];
}

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** CPU and memory of the Redis server, summed over the masters of a Cluster. */
async function redisInfo(redis: RedisClient): Promise<{ cpu: number; used: number; rss: number }> {
  const servers = 'nodes' in redis ? redis.nodes('master') : [redis];
  const infos = await Promise.all(servers.map((server) => server.info()));
  const sum = (field: string) => infos.reduce((total, info) => total + infoField(info, field), 0);
  return {
    cpu: sum('used_cpu_sys') + sum('used_cpu_user'),
    used: sum('used_memory'),
    rss: sum('used_memory_rss'),
  };
}

export class ResourceSampler {
  readonly #watched: WatchedProcess[];
  readonly #redis: RedisClient | undefined;
  readonly #startCpu = new Map<number, number>();
  readonly #usage = new Map<number, ProcessUsage>();
  #timer: NodeJS.Timeout | undefined;
  #started = 0;
  #startedAt = 0;
  #redisStart = { cpu: 0, used: 0, rss: 0 };
  #redisMax = { used: 0, rss: 0 };

  readonly #intervalMs: number;
  #samples = 0;
  #machineStart: [number, number] = [0, 0];
  #machineWindow: [number, number] = [0, 0];
  #peakBusy = 0;

  constructor(watched: WatchedProcess[], redis: RedisClient | undefined, intervalMs = 250) {
    this.#watched = watched;
    this.#redis = redis;
    this.#intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    this.#started = performance.now();
    this.#startedAt = Date.now();
    for (const process of this.#watched) {
      this.#startCpu.set(process.pid, readProc(process.pid)?.cpu ?? 0);
      this.#usage.set(process.pid, {
        name: process.name,
        role: process.role,
        cpuSeconds: 0,
        rssMaxBytes: 0,
        rssEndBytes: 0,
        rss: [],
        cpu: [],
      });
    }
    if (this.#redis) this.#redisStart = await redisInfo(this.#redis);
    this.#machineStart = machineTicks();
    this.#machineWindow = this.#machineStart;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  async stop(): Promise<ResourceReport> {
    clearInterval(this.#timer);
    this.#sample();
    const end = this.#redis ? await redisInfo(this.#redis) : this.#redisStart;
    const [busy, total] = machineTicks();
    // The last (partial) window counts too: a run shorter than a window has only that one.
    const [busyBefore, totalBefore] = this.#machineWindow;
    if (total > totalBefore) {
      this.#peakBusy = Math.max(
        this.#peakBusy,
        (100 * (busy - busyBefore)) / (total - totalBefore),
      );
    }
    const [busyStart, totalStart] = this.#machineStart;
    return {
      startedAt: this.#startedAt,
      seconds: (performance.now() - this.#started) / 1_000,
      machine: {
        busyPercent: (100 * (busy - busyStart)) / Math.max(1, total - totalStart),
        peakBusyPercent: this.#peakBusy,
        cores: os.cpus().length,
      },
      processes: [...this.#usage.values()],
      redis: {
        cpuSeconds: end.cpu - this.#redisStart.cpu,
        usedMemoryMaxBytes: Math.max(this.#redisMax.used, end.used),
        usedMemoryEndBytes: end.used,
        rssMaxBytes: Math.max(this.#redisMax.rss, end.rss),
      },
    };
  }

  #sample(): void {
    const at = Math.round(performance.now() - this.#started);
    for (const process of this.#watched) {
      const sample = readProc(process.pid);
      const usage = this.#usage.get(process.pid);
      if (!sample || !usage) continue;
      usage.cpuSeconds = sample.cpu - (this.#startCpu.get(process.pid) ?? 0);
      usage.rssMaxBytes = Math.max(usage.rssMaxBytes, sample.rss);
      usage.rssEndBytes = sample.rss;
      usage.rss.push([at, sample.rss]);
      usage.cpu.push([at, usage.cpuSeconds]);
    }
    if (this.#samples % 4 === 0) {
      const [busy, total] = machineTicks();
      const [busyBefore, totalBefore] = this.#machineWindow;
      if (total > totalBefore) {
        this.#peakBusy = Math.max(
          this.#peakBusy,
          (100 * (busy - busyBefore)) / (total - totalBefore),
        );
      }
      this.#machineWindow = [busy, total];
    }
    // Redis's INFO once a second: cheap, but not free for the server under test.
    if (this.#redis && this.#samples++ % 4 === 0) {
      void redisInfo(this.#redis)
        .then((info) => {
          this.#redisMax.used = Math.max(this.#redisMax.used, info.used);
          this.#redisMax.rss = Math.max(this.#redisMax.rss, info.rss);
        })
        .catch(() => undefined);
    }
  }
}
