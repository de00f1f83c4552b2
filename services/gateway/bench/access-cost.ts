/**
 * `node bench/access-cost.ts` (not part of `pnpm bench`): what access control costs a request.
 * One gateway process with API keys off, then on (alternating, RUNS runs each), against a fresh
 * redis-server: sequential creates (`POST /v1/streams`, no worker: the job only waits) and
 * sequential item reads of one stored stream (`GET …/items`, with a read token when keys are
 * on), over one keep-alive connection. Prints median and p99 latency per run, and the cost of
 * the pure checks (token sign and verify, key lookup among 1 and 100 keys) per call.
 */
import { fileURLToPath } from 'node:url';
import { startRedisServer, startService } from '@spool/testing';
import { ApiKeyRing, parseApiKeys } from '../src/auth/api-keys.ts';
import { signReadToken, verifyReadToken } from '../src/auth/read-token.ts';

const RUNS = 3;
const REQUESTS = 2_000;
const GATEWAY_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const KEY = 'bench-key-0123456789abcdef0123';
const ACCESS = {
  SPOOL_API_KEYS: `bench:${KEY}`,
  SPOOL_ID_SECRET: 'bench-id-secret-0123456789abcdefghijklmnop',
  SPOOL_TOKEN_SECRET: 'bench-token-secret-0123456789abcdefghijklm',
  SPOOL_QUOTA_CREATES_PER_MINUTE: '1000000',
  SPOOL_QUOTA_RUNNING_STREAMS: '1000000',
};

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function timed(count: number, request: () => Promise<Response>) {
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await request();
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`status ${response.status}`);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function run(keysOn: boolean) {
  const redis = await startRedisServer();
  const gateway = await startService({
    name: 'gateway',
    entry: GATEWAY_ENTRY,
    env: {
      REDIS_URL: redis.url,
      SPOOL_PORT: '0',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_LOG_LEVEL: 'info',
      SPOOL_MAX_QUEUE_DEPTH: '10000000',
      ...(keysOn ? ACCESS : {}),
    },
    readyMessage: 'gateway ready',
  });
  try {
    const url = String((await gateway.waitForLog((line) => line.msg === 'gateway ready')).address);
    const auth: Record<string, string> = keysOn ? { authorization: `Bearer ${KEY}` } : {};
    const create = () =>
      fetch(`${url}/v1/streams`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: '{"prompt":"Hello.","params":{"max_tokens":5}}',
      });
    const first = (await (await create()).json()) as { id: string; read_token?: string };
    const read: Record<string, string> = first.read_token
      ? { authorization: `Bearer ${first.read_token}` }
      : {};
    const creates = await timed(REQUESTS, create);
    const reads = await timed(REQUESTS, () =>
      fetch(`${url}/v1/streams/${first.id}/items`, { headers: read }),
    );
    return { creates, reads };
  } finally {
    await gateway.stop(5_000);
    await redis.stop();
  }
}

function perCall(label: string, count: number, call: () => unknown): void {
  const started = performance.now();
  for (let index = 0; index < count; index++) call();
  console.log(`${label}: ${(((performance.now() - started) / count) * 1_000).toFixed(2)} µs`);
}

const secret = ACCESS.SPOOL_TOKEN_SECRET;
const claims = {
  streamId: 'st_abcdefghijklmnopqrstuv',
  expiresAt: Date.now() + 3_600_000,
  keyId: 'k',
};
const token = signReadToken(secret, claims);
perCall('sign a read token', 100_000, () => signReadToken(secret, claims));
perCall('verify a read token', 100_000, () => verifyReadToken(secret, token, Date.now()));
for (const keys of [1, 100]) {
  const entries = Array.from({ length: keys }, (_, index) => `k${index}:${KEY}${index}`).join(',');
  const ring = new ApiKeyRing(parseApiKeys(entries, () => ''));
  perCall(`find a key among ${keys}`, 20_000, () => ring.find(`${KEY}${keys - 1}`));
}

const format = (value: number) => value.toFixed(2);
for (let index = 0; index < RUNS; index++) {
  for (const keysOn of [false, true]) {
    const { creates, reads } = await run(keysOn);
    console.log(
      `run ${index + 1} keys ${keysOn ? 'on ' : 'off'}: create p50 ${format(creates.p50)} ms p99 ${format(creates.p99)} ms; items p50 ${format(reads.p50)} ms p99 ${format(reads.p99)} ms`,
    );
  }
}
