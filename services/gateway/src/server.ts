/**
 * The gateway process: `node src/server.ts` (what `pnpm start` runs per gateway).
 *
 * SIGTERM: readiness goes false and new requests get 503 `draining`; every open delivery is
 * ended with a `draining` error (SSE) or close 1012 (WebSocket) so its client resumes on
 * another gateway; then the server closes and the process exits.
 */
import { createLogger, handleShutdownSignals, loadConfigOrExit } from '@spool/runtime';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';

const config = loadConfigOrExit(() => loadGatewayConfig());
const logger = createLogger('gateway', config.logLevel).child({ gateway: config.gatewayId });
for (const { message } of config.unknownVariables) logger.warn(message);
const gateway = await startGateway(config, { logger });

handleShutdownSignals({
  logger,
  forceAfterMs: config.shutdownGraceMs + 5_000,
  drain: () => gateway.drain(),
});

logger.info(
  { address: gateway.url, port: config.port, grpcPort: gateway.grpcPort },
  'gateway ready',
);
