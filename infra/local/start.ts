/**
 * `pnpm start`: the whole local system as plain processes (SPEC section 9).
 *
 * Starts a redis-server of its own unless REDIS_URL is set, then the services that exist,
 * each its own OS process so one can be killed alone. Ctrl-C or SIGTERM stops everything:
 * services first (they drain), Redis last.
 */
import { spawnSync } from 'node:child_process';
import { startRedisServer } from '@spool/testing';

function fail(message: string): never {
  console.error(`spool: ${message}`);
  process.exit(1);
}

function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    fail(
      'redis-server is not on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to a Redis you run.',
    );
  }
}

async function main(): Promise<void> {
  let redisUrl = process.env.REDIS_URL;
  let stopRedis = async () => {};
  if (redisUrl) {
    console.log(`spool: using Redis at ${redisUrl}`);
  } else {
    requireRedisServer();
    const redis = await startRedisServer({ appendOnly: true });
    redisUrl = redis.url;
    stopRedis = () => redis.stop();
    console.log(
      `spool: redis-server ready at ${redisUrl} (pid ${redis.pid}, data in ${redis.dir})`,
    );
  }
  console.log('spool: running. Ctrl-C stops everything.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`spool: ${signal}, stopping`);
    await stopRedis();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  setInterval(() => {}, 1 << 30);
}

await main();
