const DETECTION_TIMEOUT_MS = 1_000;
const REDIS_PORT = 6379;

let available: Promise<boolean> | undefined;

/**
 * Whether a container engine answers, decided once per process. With no engine,
 * testcontainers rejects in ~2 ms; the timeout bounds a slow or half-configured one. The
 * module is imported lazily: it costs ~200 ms, which a run without Docker should not pay.
 */
export function dockerAvailable(): Promise<boolean> {
  available ??= detect();
  return available;
}

async function detect(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DETECTION_TIMEOUT_MS);
  });
  const probe = import('testcontainers')
    .then(({ getContainerRuntimeClient }) => getContainerRuntimeClient())
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A `redis:7` container; the same shape as a `RedisServer` where a container allows it. */
export interface RedisContainer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops and removes the container. Idempotent. */
  stop(): Promise<void>;
  /** Throws: signals and same-port restarts are only supported for redis-server processes. */
  kill(): Promise<void>;
  /** Throws, as `kill`. */
  restart(): Promise<void>;
}

/** Starts `redis:7` with the same settings as `startRedisServer` (no RDB, noeviction). */
export async function startRedisContainer(
  options: { appendOnly?: boolean } = {},
): Promise<RedisContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7')
    .withExposedPorts(REDIS_PORT)
    .withCommand([
      ...['redis-server', '--save', '', '--appendonly', options.appendOnly ? 'yes' : 'no'],
      ...['--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
    ])
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(REDIS_PORT);
  let stopped: Promise<unknown> | undefined;
  const unsupported = (operation: string) => async (): Promise<void> => {
    throw new Error(`${operation} is unsupported for containers; use startRedisServer()`);
  };
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    stop: async () => {
      stopped ??= container.stop();
      await stopped;
    },
    kill: unsupported('kill'),
    restart: unsupported('restart'),
  };
}
