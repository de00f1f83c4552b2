/**
 * A Spool system of real processes for end-to-end tests: a Redis (the test harness's), worker
 * processes, and the clients tests need to drive and inspect it. Every process is killed by its
 * own PID; everything is stopped after the test file.
 */
import { fileURLToPath } from 'node:url';
import { GenerationQueue } from '@spool/generation-queue';
import {
  getTestRedis,
  type RedisTopology,
  type ServiceProcess,
  serviceEnv,
  startService,
  type TestRedis,
} from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { afterEach, beforeEach } from 'vitest';

export const WORKER_ENTRY = fileURLToPath(
  new URL('../../services/worker/src/main.ts', import.meta.url),
);
export const GATEWAY_ENTRY = fileURLToPath(
  new URL('../../services/gateway/src/server.ts', import.meta.url),
);

export interface GatewayProcess {
  service: ServiceProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

export interface SystemOptions {
  redis: TestRedis;
}

export class TestSystem {
  readonly redis: TestRedis;
  readonly keyPrefix: string;
  readonly queuePrefix: string;
  readonly log: RedisTokenLog;
  readonly queue: GenerationQueue;
  readonly #clients: ReturnType<typeof connectRedis>[] = [];
  readonly #services = new Set<ServiceProcess>();
  #workers = 0;
  #gateways = 0;

  constructor(options: SystemOptions) {
    this.redis = options.redis;
    this.keyPrefix = options.redis.keyPrefix;
    this.queuePrefix = serviceEnv(options.redis).SPOOL_QUEUE_PREFIX ?? '';
    const client = this.#connect();
    this.log = new RedisTokenLog({ redis: client, keyPrefix: this.keyPrefix, pollIntervalMs: 200 });
    this.queue = new GenerationQueue({ connection: this.#connect(), prefix: this.queuePrefix });
  }

  /** Environment shared by every service of this system. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...serviceEnv(this.redis),
      SPOOL_LOG_LEVEL: 'info',
      ...extra,
    };
  }

  async startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = await startService({
      name: `worker-${++this.#workers}`,
      entry: WORKER_ENTRY,
      env: this.env(env),
      readyMessage: 'worker ready',
    });
    this.#services.add(worker);
    return worker;
  }

  /** A gateway process on a free port (its ready line says which). */
  async startGateway(
    env: Record<string, string> = {},
    nodeFlags: string[] = [],
  ): Promise<GatewayProcess> {
    const service = await startService({
      nodeFlags,
      name: `gateway-${++this.#gateways}`,
      entry: GATEWAY_ENTRY,
      env: this.env({ SPOOL_PORT: '0', SPOOL_HOST: '127.0.0.1', ...env }),
      readyMessage: 'gateway ready',
    });
    this.#services.add(service);
    const ready = await service.waitForLog((line) => line.msg === 'gateway ready');
    return { service, url: String(ready.address) };
  }

  /** Creates a stream and enqueues its generation, as the gateway will. */
  async generate(
    prompt: string,
    params: Record<string, string | number | boolean> = {},
  ): Promise<string> {
    const streamId = newStreamId();
    await this.log.create({ id: streamId });
    await this.queue.enqueue({ streamId, messages: [{ role: 'user', content: prompt }], params });
    return streamId;
  }

  /** Resolves with every item once the stream has ended. */
  async waitForEnd(
    streamId: string,
    timeoutMs = 30_000,
  ): Promise<Awaited<ReturnType<RedisTokenLog['read']>>['items']> {
    const signal = AbortSignal.timeout(timeoutMs);
    const items = [];
    for (let from = 0; ; ) {
      const result = await this.log.follow(streamId, from, { signal, limit: 1_000 });
      items.push(...result.items);
      if (result.done) return items;
      from = result.next;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#services].map((service) => service.stop(5_000)));
    await this.queue.close();
    await this.log.close();
    for (const client of this.#clients) client.disconnect();
  }

  #connect() {
    const client = connectRedis(this.redis.url, { maxRetriesPerRequest: null });
    this.#clients.push(client);
    return client;
  }
}

/**
 * The Redis the e2e suite runs on: `E2E_REDIS=cluster` (the second pass of `pnpm test`, see
 * test/package.json) runs it on a 3-master Redis Cluster, anything else on one Redis server.
 */
export function e2eTopology(): RedisTopology {
  const topology = process.env.E2E_REDIS ?? 'single';
  if (topology !== 'single' && topology !== 'cluster') {
    throw new Error(`E2E_REDIS must be 'single' or 'cluster', got '${topology}'`);
  }
  return topology;
}

/**
 * A fresh system (its own Redis, its own processes) for every test of the file, stopped after
 * the test. Read the getter inside tests.
 */
export function systemPerTest(): () => TestSystem {
  let redis: TestRedis | undefined;
  let system: TestSystem | undefined;
  beforeEach(async () => {
    redis = await getTestRedis({ topology: e2eTopology() });
    system = new TestSystem({ redis });
  });
  afterEach(async () => {
    await system?.stop();
    await redis?.stop();
  });
  return () => {
    if (!system) throw new Error('systemPerTest(): read the getter inside a test');
    return system;
  };
}
