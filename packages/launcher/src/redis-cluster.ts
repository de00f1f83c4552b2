import { Redis } from 'ioredis';
import { CLUSTER_NODE_PORT } from './free-port.ts';
import { type RedisServer, startRedisServer } from './redis-server.ts';
import { signalAndWait, spawnProcess } from './spawn-process.ts';

const CREATE_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 10_000;
const SLOT_COUNT = 16_384;

export interface RedisClusterOptions {
  /** At least 3 (redis-cli refuses fewer); no replicas. */
  masters?: number;
  /** Passed to every node. */
  appendOnly?: boolean;
}

export interface RedisCluster {
  /** Startup nodes for an ioredis `Cluster`. */
  readonly nodes: { host: string; port: number }[];
  /** The node processes, for fault tests (kill a master, restart it). */
  readonly servers: RedisServer[];
  /** Stops every node and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster of masters on loopback, creates it with `redis-cli --cluster create` and
 * resolves once every node reports `cluster_state:ok` with all 16384 slots assigned (~2 s).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(`A Redis cluster needs at least 3 masters, got ${masters}`);
  }
  const servers = await startNodes(masters, options.appendOnly ?? false);
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    await createCluster(servers);
    await Promise.all(servers.map((server) => waitForClusterOk(server)));
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = servers.map(({ host, port }) => ({ host, port }));
  return { nodes, servers, stop };
}

async function startNodes(count: number, appendOnly: boolean): Promise<RedisServer[]> {
  const extraArgs = [
    ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
    ...['--cluster-node-timeout', '2000'],
  ];
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startRedisServer({ appendOnly, extraArgs, freePort: CLUSTER_NODE_PORT }),
    ),
  );
  const servers = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(servers.map((server) => server.stop()));
    throw failure.reason;
  }
  return servers;
}

/** Runs `redis-cli --cluster create`; it hangs when a node is unreachable, hence the timeout. */
async function createCluster(servers: RedisServer[]): Promise<void> {
  const addresses = servers.map((server) => `${server.host}:${server.port}`);
  const cli = await spawnProcess({
    command: 'redis-cli',
    args: ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CREATE_TIMEOUT_MS);
  });
  const outcome = await Promise.race([cli.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await signalAndWait(cli, 'SIGKILL');
    throw new Error(
      `redis-cli --cluster create ${addresses.join(' ')} did not finish within ` +
        `${CREATE_TIMEOUT_MS} ms. Output tail:\n${cli.outputTail()}`,
    );
  }
  if (outcome.code !== 0) {
    throw new Error(
      `redis-cli --cluster create failed (exit code ${outcome.code}). Output tail:\n${cli.outputTail()}`,
    );
  }
}

/** Polls CLUSTER INFO until this node sees the cluster as healthy with every slot assigned. */
async function waitForClusterOk(server: RedisServer): Promise<void> {
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  client.on('error', () => {}); // Reported through the failed commands below.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let info = '';
  try {
    while (Date.now() < deadline) {
      info = String(await client.call('CLUSTER', 'INFO'));
      if (
        info.includes('cluster_state:ok') &&
        info.includes(`cluster_slots_assigned:${SLOT_COUNT}`)
      ) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.disconnect();
  }
  throw new Error(
    `Cluster node ${server.host}:${server.port} not ok after ${READY_TIMEOUT_MS} ms:\n${info}`,
  );
}
