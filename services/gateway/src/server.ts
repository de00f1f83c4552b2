/**
 * The gateway process: `node src/server.ts` (what `pnpm start` runs per gateway).
 *
 * SIGTERM: readiness goes false and new requests get 503 `draining`; every open delivery is
 * ended with a `draining` error (SSE) so its client resumes on another gateway; then the
 * server closes and the process exits.
 */
import { GenerationQueue } from '@spool/generation-queue';
import { SpoolError } from '@spool/protocol';
import { createLogger, handleShutdownSignals, loadConfigOrExit } from '@spool/runtime';
import { connectRedis, RedisTokenLog } from '@spool/token-log';
import { buildApp } from './app.ts';
import { loadGatewayConfig } from './config.ts';

const config = loadConfigOrExit(() => loadGatewayConfig());
const logger = createLogger('gateway', config.logLevel).child({ gateway: config.gatewayId });
for (const { message } of config.unknownVariables) logger.warn(message);
const redis = connectRedis(config.redisUrl, { connectionName: 'spool-gateway' });
const log = new RedisTokenLog({
  redis,
  keyPrefix: config.keyPrefix,
  retentionMs: config.retentionMs,
  maxStreamItems: config.maxStreamItems,
});
const queue = new GenerationQueue({ connection: redis, prefix: config.queuePrefix });
const app = await buildApp(config, {
  log,
  queue,
  logger,
  ping: async () => {
    await redis.ping();
  },
});

handleShutdownSignals({
  logger,
  forceAfterMs: config.shutdownGraceMs + 5_000,
  drain: async () => {
    app.spool.draining = true;
    app.spool.deliveries.closeAll(new SpoolError('draining'));
    await app.close();
    await queue.close();
    await log.close();
    redis.disconnect();
  },
});

const address = await app.listen({ host: config.host, port: config.port });
logger.info({ address, port: config.port }, 'gateway ready');
