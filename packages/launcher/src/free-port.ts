import { createServer } from 'node:net';

/** The lowest port drawn when a `maxPort` is given: clear of the well-known and registered-low ranges. */
const RANDOM_PORT_FLOOR = 20_000;
const MAX_ATTEMPTS = 200;

export interface FreePortOptions {
  /**
   * Highest acceptable port. Without it the kernel picks any free port; with it, candidates
   * are drawn at random from 20000..maxPort (a cluster node needs port ≤ 55535 because its
   * bus listens on port + 10000).
   */
  maxPort?: number;
  /** Offsets from the port that must be free as well, e.g. `[10_000]` for a cluster bus port. */
  companionOffsets?: number[];
}

/**
 * Finds a port on 127.0.0.1 that is free at the time of the call. Someone else may take it
 * before the caller binds it: callers that spawn a server retry with a new port on EADDRINUSE.
 */
export async function findFreePort(options: FreePortOptions = {}): Promise<number> {
  const offsets = options.companionOffsets ?? [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port =
      options.maxPort === undefined
        ? await listenAndRelease(0)
        : randomPortUpTo(options.maxPort - Math.max(0, ...offsets));
    if (port === undefined) continue;
    if (await allFree([port, ...offsets.map((offset) => port + offset)])) return port;
  }
  throw new Error(`No free loopback port found after ${MAX_ATTEMPTS} attempts`);
}

/**
 * What a cluster node needs: the port ≤ 55535 and its bus port (port + 10000) free. Nodes
 * above 55535 exit at once, and `redis-cli --cluster create` then hangs.
 */
export const CLUSTER_NODE_PORT: Readonly<FreePortOptions> = Object.freeze({
  maxPort: 55_535,
  companionOffsets: [10_000],
});

function randomPortUpTo(maxPort: number): number {
  if (maxPort < RANDOM_PORT_FLOOR) {
    throw new RangeError(`maxPort must leave room above ${RANDOM_PORT_FLOOR}, got ${maxPort}`);
  }
  return RANDOM_PORT_FLOOR + Math.floor(Math.random() * (maxPort - RANDOM_PORT_FLOOR + 1));
}

async function allFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    if (port > 65_535 || (await listenAndRelease(port)) === undefined) return false;
  }
  return true;
}

/** Binds the port (0 = any) on 127.0.0.1 and releases it; the bound port, or undefined if taken. */
function listenAndRelease(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
