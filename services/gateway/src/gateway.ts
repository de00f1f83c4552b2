/**
 * A whole gateway in this process: its Redis connection, token log, queue and app, listening.
 * server.ts runs one per process; tests run several in theirs. Draining ends every open
 * delivery with `draining` (clients resume on another gateway) before the connections close.
 */
import { GenerationQueue } from '@spool/generation-queue';
import { SpoolError } from '@spool/protocol';
import type { Logger } from '@spool/runtime';
import {
  type ConnectOptions,
  connectRedis,
  RedisDurableStreams,
  RedisQuotas,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from '@spool/token-log';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { GatewayConfig } from './config.ts';
import { startGrpcServer } from './grpc/grpc-server.ts';

export interface StartGatewayOptions {
  logger: Logger;
  /** Options of the Redis connection (defaults: named `spool-gateway`, 3 retries per request). */
  redis?: ConnectOptions;
  /** Token log settings beyond the configuration's. */
  log?: Partial<RedisTokenLogOptions>;
}

export interface Gateway {
  app: FastifyInstance;
  log: RedisTokenLog;
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The gRPC service's port, when `SPOOL_GRPC_PORT` turned it on. */
  grpcPort: number | undefined;
  /** Readiness fails, open deliveries end with `draining`, then everything closes. */
  drain(): Promise<void>;
  /** Dies abruptly: every connection is cut, nothing is said to clients. */
  kill(): Promise<void>;
}

export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions,
): Promise<Gateway> {
  const redis = connectRedis(config.redisUrl, {
    connectionName: 'spool-gateway',
    ...options.redis,
  });
  const log = new RedisTokenLog({
    redis,
    keyPrefix: config.keyPrefix,
    retentionMs: config.retentionMs,
    maxStreamItems: config.maxStreamItems,
    ...options.log,
  });
  const durableStreams = new RedisDurableStreams({ redis, keyPrefix: config.keyPrefix });
  const queue = new GenerationQueue({ connection: redis, prefix: config.queuePrefix });
  const app = await buildApp(config, {
    log,
    queue,
    logger: options.logger,
    quotas: new RedisQuotas({ redis, keyPrefix: config.keyPrefix }),
    durableStreams,
    ping: async () => {
      await redis.ping();
    },
  });
  const url = await app.listen({ host: config.host, port: config.port });
  const grpc =
    config.grpcPort === undefined
      ? undefined
      : await startGrpcServer(app.spool, { host: config.host, port: config.grpcPort });
  let stopped: Promise<void> | undefined;
  const stop = (abrupt: boolean) => {
    stopped ??= (async () => {
      app.spool.draining = true;
      if (abrupt) app.server.closeAllConnections();
      else app.spool.deliveries.closeAll(new SpoolError('draining'));
      await grpc?.close(abrupt);
      // A keep-alive connection whose response ends after this (a delivery told `draining`, a
      // request in flight) would go idle and hold the close until its timeout: close idle ones
      // as they appear.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      await queue.close();
      await log.close();
      await durableStreams.close();
      redis.disconnect();
    })();
    return stopped;
  };
  return {
    app,
    log,
    url,
    grpcPort: grpc?.port,
    drain: () => stop(false),
    kill: () => stop(true),
  };
}
