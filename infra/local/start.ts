/**
 * `pnpm start`: the whole local system as plain processes (SPEC section 9).
 *
 * Starts a redis-server of its own unless REDIS_URL is set (with `SPOOL_REDIS=cluster`, a
 * 3-master Redis Cluster of three local redis-server processes instead), then `SPOOL_GATEWAYS` gateways on
 * ports `SPOOL_PORT`, +1, … and `SPOOL_WORKERS` workers (synthetic model by default), each its
 * own OS process so one can be killed alone; their JSON logs are printed as short lines.
 * Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops everything: services first (they drain),
 * Redis last. Should this process die without running its 'exit' handler (SIGKILL), the
 * children, each in its own process group, outlive it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  logPrinter,
  type ServiceProcess,
  startRedisCluster,
  startRedisServer,
  startService,
} from '@spool/launcher';
import { ConfigError, integer, oneOf, parseEnv, warnUnknownVariables } from '@spool/runtime';

// The production bundles (`pnpm start` builds them first: infra/build/bundle.ts).
const WORKER_ENTRY = fileURLToPath(new URL('../../services/worker/dist/main.mjs', import.meta.url));
const GATEWAY_ENTRY = fileURLToPath(
  new URL('../../services/gateway/dist/server.mjs', import.meta.url),
);
/** The V8 settings the gateway runs with everywhere (chosen by measurement: docs/benchmarks.md). */
const GATEWAY_NODE_FLAGS = JSON.parse(
  readFileSync(new URL('../../services/gateway/node-flags.json', import.meta.url), 'utf8'),
) as string[];

function fail(message: string): never {
  console.error(`spool: ${message}`);
  process.exit(1);
}

function requireRedisServer(): void {
  if (
    spawnSync('redis-server', ['--version']).error ||
    spawnSync('redis-cli', ['--version']).error
  ) {
    fail(
      'redis-server or redis-cli is not on PATH. Install them (Debian/Ubuntu: `apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to a Redis you run.',
    );
  }
}

async function main(): Promise<void> {
  const settings = loadSettings();
  warnUnknownVariables(process.env, { warn: (message) => console.warn(`spool: ${message}`) });
  const { url: redisUrl, stop: stopRedis } = await startRedis(settings.SPOOL_REDIS);
  const services: ServiceProcess[] = [];
  const stop = async (signal: string) => {
    console.log(`spool: ${signal}: stopping`);
    await Promise.all(services.map((service) => service.stop(15_000)));
    await stopRedis();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // The services run in their own process groups, so a closed terminal reaches only this one.
  process.once('SIGHUP', () => void stop('SIGHUP'));

  // Gateways derive stream ids from Idempotency-Keys, and sign read tokens, with these secrets:
  // all must share them (a random pair per run unless set; with SPOOL_API_KEYS set, their own).
  const shared = {
    REDIS_URL: redisUrl,
    SPOOL_ID_SECRET: process.env.SPOOL_ID_SECRET || randomBytes(24).toString('base64url'),
    SPOOL_TOKEN_SECRET: process.env.SPOOL_TOKEN_SECRET || randomBytes(32).toString('base64url'),
  };
  const urls = Array.from(
    { length: settings.SPOOL_GATEWAYS },
    (_, index) => `http://localhost:${settings.SPOOL_PORT + index}`,
  );
  for (const index of urls.keys()) {
    const gateway = await startChild({
      name: `gateway-${index + 1}`,
      entry: GATEWAY_ENTRY,
      nodeFlags: GATEWAY_NODE_FLAGS,
      readyMessage: 'gateway ready',
      env: {
        ...shared,
        SPOOL_PORT: String(settings.SPOOL_PORT + index),
        // The demo page offers to switch between all of them.
        SPOOL_DEMO_GATEWAYS: urls.join(','),
      },
    });
    services.push(gateway);
  }
  for (let index = 1; index <= settings.SPOOL_WORKERS; index++) {
    services.push(
      await startChild({
        name: `worker-${index}`,
        entry: WORKER_ENTRY,
        nodeFlags: [],
        readyMessage: 'worker ready',
        env: shared,
      }),
    );
  }
  for (const url of urls) console.log(`spool: gateway at ${url}  (API ${url}/v1/streams)`);
  if (urls[0]) console.log(`spool: demo page at ${urls[0]}/`);
  console.log('spool: running. Ctrl-C stops everything.');
}

type Settings = ReturnType<typeof loadSettings>;

function loadSettings() {
  try {
    const settings = parseEnv(
      {
        SPOOL_WORKERS: integer(0, 64, 1),
        SPOOL_GATEWAYS: integer(0, 64, 1),
        SPOOL_PORT: integer(1, 65_000, 8_080),
        SPOOL_REDIS: oneOf(['single', 'cluster'], 'single'),
      },
      process.env,
    );
    if (process.env.REDIS_URL && process.env.SPOOL_REDIS) {
      fail('set either REDIS_URL (a Redis you run) or SPOOL_REDIS (one this starts), not both');
    }
    return settings;
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/**
 * The memory cap of a Redis started here (`noeviction`, as infra/redis.conf): full, it refuses
 * writes, which clients get as `429 over_capacity`, instead of growing without bound.
 */
const LOCAL_MAXMEMORY = '1gb';

/** The Redis of REDIS_URL, or one started here: a single server or a 3-master Cluster. */
async function startRedis(
  topology: Settings['SPOOL_REDIS'],
): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.REDIS_URL;
  if (given) {
    console.log(`spool: using Redis at ${withoutCredentials(given)}`);
    return { url: given, stop: async () => {} };
  }
  requireRedisServer();
  if (topology === 'cluster') {
    const cluster = await startRedisCluster({
      masters: 3,
      appendOnly: true,
      ownProcessGroup: true,
    });
    for (const server of cluster.servers) {
      spawnSync('redis-cli', [
        '-p',
        String(server.port),
        'CONFIG',
        'SET',
        'maxmemory',
        LOCAL_MAXMEMORY,
      ]);
    }
    const pids = cluster.servers.map((server) => server.pid).join(', ');
    console.log(`spool: Redis Cluster of 3 masters at ${cluster.url} (pids ${pids})`);
    return { url: cluster.url, stop: () => cluster.stop() };
  }
  const redis = await startRedisServer({
    appendOnly: true,
    ownProcessGroup: true,
    extraArgs: ['--maxmemory', LOCAL_MAXMEMORY],
  });
  console.log(`spool: redis-server at ${redis.url} (pid ${redis.pid}, data in ${redis.dir})`);
  return { url: redis.url, stop: () => redis.stop() };
}

async function startChild(child: {
  name: string;
  entry: string;
  nodeFlags: string[];
  readyMessage: string;
  env: Record<string, string>;
}) {
  const { name } = child;
  const service = await startService({
    ...child,
    keepLogs: false,
    ownProcessGroup: true,
    onLog: logPrinter(name),
  });
  console.log(`spool: ${name} running (pid ${service.pid})`);
  return service;
}

await main();

/** A Redis URL as it may be logged: user and password masked. */
function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^@/]*@/, '//***@');
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = parsed.username === '' ? '' : '***';
  parsed.password = parsed.password === '' ? '' : '***';
  return parsed.toString();
}
