import { Redis } from 'ioredis';
import {
  type ClusterNode,
  clusterView,
  type FailoverResult,
  failover,
  onNode,
} from './cluster-view.ts';
import { CLUSTER_NODE_PORT } from './free-port.ts';
import { type RedisServer, startRedisServer } from './redis-server.ts';
import { signalAndWait, spawnProcess } from './spawn-process.ts';

const CREATE_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 10_000;
const SLOT_COUNT = 16_384;
/** How long a node may be unreachable before it counts as failed (Redis's default is 15 s). */
const NODE_TIMEOUT_MS = 2_000;

export interface RedisClusterOptions {
  /** At least 3 (redis-cli refuses fewer). */
  masters?: number;
  /** Replicas of each master (default 0); a failover needs at least 1. */
  replicasPerMaster?: number;
  /** Passed to every node. */
  appendOnly?: boolean;
  /** See RedisServerOptions.ownProcessGroup (`pnpm start` stops Redis last, itself). */
  ownProcessGroup?: boolean;
}

export interface RedisCluster {
  /** Startup nodes for an ioredis `Cluster` (every node, masters and replicas). */
  readonly nodes: ClusterNode[];
  /** `redis-cluster://host:port,…`: what REDIS_URL takes. */
  readonly url: string;
  /** The node processes, for fault tests (kill a master, restart it). */
  readonly servers: RedisServer[];
  /** The nodes that are masters now (CLUSTER NODES of a reachable node). */
  masters(): Promise<ClusterNode[]>;
  /**
   * Promotes a replica of `master` (default: the master that holds slot 0) with `CLUSTER
   * FAILOVER` — the coordinated kind: the master stops taking writes until its replica has caught
   * up, so no acknowledged write is lost — and resolves once every node agrees on the new master.
   * `force: true` sends `CLUSTER FAILOVER FORCE` (no handshake with the master: what an operator
   * does when the master is unreachable; writes the replica had not received are lost).
   */
  failover(options?: { master?: ClusterNode; force?: boolean }): Promise<FailoverResult>;
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
  const replicas = options.replicasPerMaster ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 4) {
    throw new RangeError(`replicasPerMaster must be an integer from 0 to 4, got ${replicas}`);
  }
  const servers = await startNodes(masters * (1 + replicas), options);
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    await createCluster(servers, replicas);
    await Promise.all(servers.map((server) => waitForClusterOk(server)));
    if (replicas > 0) await waitForReplicas(servers, masters, replicas);
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = servers.map(({ host, port }) => ({ host, port }));
  return {
    nodes,
    url: `redis-cluster://${nodes.map(({ host, port }) => `${host}:${port}`).join(',')}`,
    servers,
    masters: async () => (await clusterView(nodes)).masters.map(({ node }) => node),
    failover: (failoverOptions = {}) => failover(nodes, failoverOptions),
    stop,
  };
}

async function startNodes(count: number, options: RedisClusterOptions): Promise<RedisServer[]> {
  const extraArgs = [
    ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
    ...['--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
  ];
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startRedisServer({
        appendOnly: options.appendOnly ?? false,
        extraArgs,
        freePort: CLUSTER_NODE_PORT,
        ownProcessGroup: options.ownProcessGroup,
      }),
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
async function createCluster(servers: RedisServer[], replicas: number): Promise<void> {
  const addresses = servers.map((server) => `${server.host}:${server.port}`);
  const cli = await spawnProcess({
    command: 'redis-cli',
    args: [
      ...['--cluster', 'create', ...addresses],
      ...['--cluster-replicas', String(replicas), '--cluster-yes'],
    ],
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

/**
 * `cluster_state:ok` comes before every node knows the replicas (redis-cli makes them replicas one
 * by one, and gossip spreads it): waits until the first node sees `masters` masters with their
 * replicas, and every replica has its link to its master up (its first sync done).
 */
async function waitForReplicas(
  servers: RedisServer[],
  masters: number,
  replicasPerMaster: number,
): Promise<void> {
  const nodes = servers.map(({ host, port }) => ({ host, port }));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const view = await clusterView(nodes).catch(() => undefined);
    if (view?.masters.length === masters && view.replicas.length === masters * replicasPerMaster) {
      const links = await Promise.all(
        view.replicas.map((replica) => onNode(replica.node, 'INFO', 'replication')),
      );
      if (links.every((info) => String(info).includes('master_link_status:up'))) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Cluster replicas not in place after ${READY_TIMEOUT_MS} ms`);
}
