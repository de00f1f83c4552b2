/**
 * The worker process: `node src/main.ts` (what `pnpm start` runs for each worker).
 *
 * Connections: one for the token log's commands, one for its pub/sub (cancel watches), and
 * BullMQ's own (it needs `maxRetriesPerRequest: null` and a blocking connection).
 */
import { createLogger, handleShutdownSignals, loadConfigOrExit } from '@spool/runtime';
import { connectRedis, RedisTokenLog } from '@spool/token-log';
import { createAdapter } from './adapters/index.ts';
import { loadWorkerConfig } from './config.ts';
import { createWorkerMetrics } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { startGenerationWorker } from './queue.ts';

const config = loadConfigOrExit(() => loadWorkerConfig());
const logger = createLogger('worker', config.logLevel);
for (const { message } of config.unknownVariables) logger.warn(message);
const redis = connectRedis(config.redisUrl, { connectionName: 'spool-worker' });
const queueConnection = connectRedis(config.redisUrl, {
  connectionName: 'spool-worker-queue',
  maxRetriesPerRequest: null,
});
const log = new RedisTokenLog({
  redis,
  keyPrefix: config.keyPrefix,
  retentionMs: config.retentionMs,
  maxStreamItems: config.maxStreamItems,
});
const metrics = createWorkerMetrics();
const metricsServer =
  config.metrics.port > 0
    ? await startMetricsServer({ registry: metrics.registry, ...config.metrics }).catch(
        (error: unknown) => {
          logger.fatal({ err: error, ...config.metrics }, 'metrics endpoint cannot listen');
          process.exit(1);
        },
      )
    : undefined;
const worker = startGenerationWorker({
  connection: queueConnection,
  prefix: config.queuePrefix,
  concurrency: config.concurrency,
  lockDurationMs: config.lockDurationMs,
  lockRenewMs: config.lockRenewMs,
  stalledIntervalMs: config.stalledIntervalMs,
  maxStartedAttempts: config.maxStalledCount + 1,
  context: {
    log,
    adapter: createAdapter(config),
    logger,
    metrics,
    settings: {
      append: config.append,
      idleTimeoutMs: config.idleTimeoutMs,
      upstreamRetries: config.upstreamRetries,
    },
  },
});

handleShutdownSignals({
  logger,
  forceAfterMs: config.shutdownGraceMs + 10_000,
  drain: async () => {
    await worker.drain(config.shutdownGraceMs);
    // Each step says it is done: a drain that outlives forceAfterMs shows where it waited.
    logger.info('queue closed');
    await metricsServer?.close();
    await log.close();
    logger.info('token log closed');
    redis.disconnect();
    queueConnection.disconnect();
  },
});

logger.info(
  {
    adapter: config.adapter,
    concurrency: config.concurrency,
    queuePrefix: config.queuePrefix,
    metrics: metricsServer ? `${metricsServer.url}/metrics` : undefined,
  },
  'worker ready',
);
