/**
 * The compose topology as plain processes: the test's Redis, gateways and workers run from the
 * production bundles (what the images run, with the gateway's V8 flags from node-flags.json),
 * behind HAProxy with the compose file's configuration. Gateways share one port on distinct
 * loopback addresses (127.0.0.2, .3, …), so that one DNS name resolving to several addresses
 * names them all, as a compose service's name does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkEnd, chunkStart, createSseDecoder, type SseMessage } from '@spool/protocol';
import { findFreePort, type ServiceProcess, startService } from '@spool/testing';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GATEWAY_BUNDLE = join(REPO_ROOT, 'services/gateway/dist/server.mjs');
export const WORKER_BUNDLE = join(REPO_ROOT, 'services/worker/dist/main.mjs');

/** Builds both bundles, as `pnpm --filter @spool/gateway build` (and worker) does. */
export function buildBundles(): void {
  for (const [service, entry] of [
    ['services/gateway', 'src/server.ts'],
    ['services/worker', 'src/main.ts'],
  ] as const) {
    execFileSync(process.execPath, ['infra/build/bundle.ts', service, entry], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
  }
}

export function gatewayNodeFlags(): string[] {
  return JSON.parse(
    readFileSync(join(REPO_ROOT, 'services/gateway/node-flags.json'), 'utf8'),
  ) as string[];
}

export interface BundledGateway {
  service: ServiceProcess;
  /** Its own address, `127.0.0.N:port`, bypassing the load balancer. */
  host: string;
  url: string;
}

export async function startBundledGateway(input: {
  index: number;
  host: string;
  port: number;
  env: Record<string, string>;
}): Promise<BundledGateway> {
  const service = await startService({
    name: `gateway-${input.index}`,
    entry: GATEWAY_BUNDLE,
    nodeFlags: gatewayNodeFlags(),
    env: {
      ...input.env,
      SPOOL_HOST: input.host,
      SPOOL_PORT: String(input.port),
      SPOOL_GATEWAY_ID: `gw${input.index}`,
    },
    readyMessage: 'gateway ready',
  });
  return { service, host: input.host, url: `http://${input.host}:${input.port}` };
}

export function startBundledWorker(index: number, env: Record<string, string>) {
  return startService({
    name: `worker-${index}`,
    entry: WORKER_BUNDLE,
    env,
    readyMessage: 'worker ready',
  });
}

export { findFreePort };

/** The sum of a Prometheus counter or gauge over its labels, from a `/metrics` text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(gateway: BundledGateway, name: string): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`);
  return metricSum(await response.text(), name);
}

/** What a reader received: its messages in order and how many connections it took. */
export interface SseResult {
  messages: SseMessage[];
  connections: number;
  /** Longest time between two items, reconnections included (ms). */
  longestPauseMs: number;
}

/**
 * A raw SSE reader that resumes by `Last-Event-ID` through the load balancer whenever its
 * response ends without the stream's `end` (a `draining` error, a cut), as a browser's
 * EventSource does. It checks the wire itself: every item once, in order, across connections.
 */
export async function readSseResuming(
  url: string,
  options: { stopEachAfter?: number; maxConnections?: number } = {},
): Promise<SseResult> {
  const messages: SseMessage[] = [];
  let next = 0;
  let connections = 0;
  let lastAt = performance.now();
  let longestPauseMs = 0;
  const maxConnections = options.maxConnections ?? 100;
  while (connections < maxConnections) {
    connections += 1;
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, br' };
    if (next > 0) headers['last-event-id'] = String(next);
    const response = await fetch(url, { headers });
    if (response.status === 503) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    // 204: the stream ended exactly here — an EventSource stops. Whether every item came is
    // for the caller to judge against the log.
    if (response.status === 204) return { messages, connections, longestPauseMs };
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} at ${next}`);
    if (response.headers.get('content-encoding')) throw new Error('the stream came compressed');
    let ended = false;
    let received = 0;
    let failure: Error | undefined;
    const controller = new AbortController();
    const decoder = createSseDecoder((result) => {
      if (failure || controller.signal.aborted) return;
      if (!result.ok) failure = new Error(result.error.message);
      else if (result.value.kind !== 'error' && chunkStart(result.value) !== next) {
        failure = new Error(`expected offset ${next}, got ${chunkStart(result.value)}`);
      }
      if (failure) return controller.abort();
      if (!result.ok) return;
      const message = result.value;
      if (message.kind === 'error') return;
      const now = performance.now();
      longestPauseMs = Math.max(longestPauseMs, now - lastAt);
      lastAt = now;
      next = chunkEnd(message);
      messages.push(message);
      received += 1;
      if (message.kind === 'control' && message.item.type === 'end') ended = true;
      if (options.stopEachAfter !== undefined && received >= options.stopEachAfter) {
        controller.abort();
      }
    });
    try {
      const reader = response.body?.getReader();
      while (reader && !controller.signal.aborted) {
        const { done, value } = await reader.read();
        if (done) break;
        decoder.feed(value);
      }
      if (controller.signal.aborted) await reader?.cancel();
    } catch {
      // A cut connection: resume from `next`.
    }
    if (failure) throw new Error(`${url}: ${failure.message} (a gap or a repeat)`);
    if (ended) return { messages, connections, longestPauseMs };
  }
  throw new Error(`${url}: no end after ${maxConnections} connections`);
}

/** Every offset once, in order: what a reader saw. */
export function offsetsOf(chunks: readonly SseMessage[]): number[] {
  return chunks.flatMap((chunk) => {
    if (chunk.kind === 'error') return [];
    return Array.from(
      { length: chunkEnd(chunk) - chunkStart(chunk) },
      (_, index) => chunkStart(chunk) + index,
    );
  });
}

export function textOf(chunks: readonly SseMessage[]): string {
  return chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('');
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await condition().catch(() => false)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
