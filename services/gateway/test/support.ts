/**
 * Gateways in this test process on real ports, over a real Redis. No worker runs here: tests
 * append items themselves through the token log (the fixtures of `@spool/testing`), live while
 * the client reads, as a generation would.
 */
import { credentials } from '@grpc/grpc-js';
import { loadTokenStreamProto, type TokenStreamClient } from '@spool/grpc';
import { createLogger } from '@spool/runtime';
import { serviceEnv, type TestRedis } from '@spool/testing';
import type { RedisTokenLogOptions } from '@spool/token-log';
import { loadGatewayConfig } from '../src/config.ts';
import { type Gateway, startGateway } from '../src/gateway.ts';

export type TestGateway = Gateway;

export function startTestGateway(
  redis: TestRedis,
  env: Record<string, string> = {},
  log: Partial<RedisTokenLogOptions> = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    ...serviceEnv(redis),
    SPOOL_PORT: '0',
    SPOOL_HOST: '127.0.0.1',
    ...env,
  });
  return startGateway(config, {
    logger: createLogger('gateway-test', 'silent'),
    redis: { maxRetriesPerRequest: null },
    log,
  });
}

export {
  answer,
  liveStream,
  offsetsOf,
  readSse,
  type SseRead,
  storedItems,
  storedStream,
  textOf,
} from '@spool/testing';

/** A gRPC `spool.v1.TokenStream` client of a test gateway (started with `SPOOL_GRPC_PORT`). */
export function grpcClientOf(gateway: TestGateway): TokenStreamClient {
  const proto = loadTokenStreamProto();
  return new proto.spool.v1.TokenStream(
    `127.0.0.1:${gateway.grpcPort}`,
    credentials.createInsecure(),
  );
}
