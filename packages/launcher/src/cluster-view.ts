/**
 * What the nodes of a local Redis Cluster say about it (CLUSTER NODES), and a replica's
 * promotion (CLUSTER FAILOVER) for fault tests.
 */
import { Redis } from 'ioredis';

export interface ClusterNode {
  host: string;
  port: number;
}

export interface FailoverResult {
  /** The master that became a replica. */
  from: ClusterNode;
  /** The replica that became its master. */
  to: ClusterNode;
}

export interface NodeEntry {
  id: string;
  node: ClusterNode;
  /** The master's id, for a replica. */
  masterId: string | undefined;
  /** Slot ranges `[first, last]` of a master. */
  slots: [number, number][];
}

export interface ClusterView {
  masters: NodeEntry[];
  replicas: NodeEntry[];
}

const FAILOVER_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 50;

/** Runs one command on one node, on a connection of its own. */
export async function onNode(node: ClusterNode, ...command: string[]): Promise<unknown> {
  const client = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // Reported through the failed command.
  try {
    const [name = 'PING', ...args] = command;
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

/** CLUSTER NODES as the first reachable node of `nodes` tells it; failed nodes are left out. */
export async function clusterView(nodes: ClusterNode[]): Promise<ClusterView> {
  let lastError: unknown;
  for (const node of nodes) {
    try {
      return parseClusterNodes(String(await onNode(node, 'CLUSTER', 'NODES')));
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`No cluster node answered CLUSTER NODES: ${String(lastError)}`);
}

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots>…`. */
export function parseClusterNodes(text: string): ClusterView {
  const view: ClusterView = { masters: [], replicas: [] };
  for (const line of text.split('\n')) {
    const [id, address, flags = '', master, , , , , ...slots] = line.trim().split(' ');
    if (id === undefined || address === undefined || flags.includes('fail')) continue;
    const [host = '', port = ''] = address.split('@')[0]?.split(':') ?? [];
    const entry: NodeEntry = {
      id,
      node: { host, port: Number(port) },
      masterId: master === '-' ? undefined : master,
      slots: slots
        .filter((range) => !range.startsWith('['))
        .map((range) => {
          const [first = '', last = first] = range.split('-');
          return [Number(first), Number(last)];
        }),
    };
    if (flags.includes('master')) view.masters.push(entry);
    else if (flags.includes('slave') || flags.includes('replica')) view.replicas.push(entry);
  }
  return view;
}

/** See RedisCluster.failover. */
export async function failover(
  nodes: ClusterNode[],
  options: { master?: ClusterNode; force?: boolean },
): Promise<FailoverResult> {
  const view = await clusterView(nodes);
  const master = options.master
    ? view.masters.find((entry) => sameNode(entry.node, options.master))
    : view.masters.find((entry) => entry.slots.some(([first]) => first === 0));
  if (!master) throw new Error(`No such master: ${JSON.stringify(options.master ?? 'slot 0')}`);
  const replica = view.replicas.find((entry) => entry.masterId === master.id);
  if (!replica) throw new Error(`Master ${address(master.node)} has no replica to promote`);
  await onNode(replica.node, 'CLUSTER', 'FAILOVER', ...(options.force ? ['FORCE'] : []));
  const deadline = Date.now() + FAILOVER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await everyNodeSeesMaster(nodes, replica)) return { from: master.node, to: replica.node };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(
    `${address(replica.node)} was not master of ${address(master.node)}'s slots after ` +
      `${FAILOVER_TIMEOUT_MS} ms`,
  );
}

async function everyNodeSeesMaster(nodes: ClusterNode[], promoted: NodeEntry): Promise<boolean> {
  const views = await Promise.all(
    nodes.map((node) =>
      onNode(node, 'CLUSTER', 'NODES').then(
        (text) => parseClusterNodes(String(text)),
        () => undefined, // A node that is down has no say.
      ),
    ),
  );
  return views.every(
    (view) =>
      view === undefined ||
      view.masters.some((entry) => entry.id === promoted.id && entry.slots.length > 0),
  );
}

function sameNode(a: ClusterNode, b: ClusterNode | undefined): boolean {
  return b !== undefined && a.host === b.host && a.port === b.port;
}

function address(node: ClusterNode): string {
  return `${node.host}:${node.port}`;
}
