/**
 * `buildApp(config, dependencies)`: the gateway as a fastify app that does not listen.
 * Tests drive it with `inject()` or `listen({ port: 0 })`; only server.ts listens and handles
 * signals (fastify's app/server split).
 */
import type { GenerationQueue } from '@spool/generation-queue';
import { SpoolError } from '@spool/protocol';
import type { Logger } from '@spool/runtime';
import type { TokenLog } from '@spool/token-log';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { Admission } from './admission.ts';
import type { GatewayConfig } from './config.ts';
import { installCors } from './cors.ts';
import { DeliveryRegistry } from './delivery/delivery-registry.ts';
import { installErrorHandlers, sendError } from './http-errors.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { registerChatCompletionsRoute } from './routes/chat-completions.ts';
import { registerDemoRoutes } from './routes/demo.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerStreamRoutes } from './routes/streams.ts';
import { registerSubscriptionRoutes } from './routes/subscriptions.ts';
import { registerEventsRoute } from './sse/events-route.ts';
import { registerWebSocketRoute } from './ws/ws-route.ts';

export interface GatewayDependencies {
  log: TokenLog;
  queue: Pick<GenerationQueue, 'enqueue' | 'depth'>;
  logger: Logger;
  /** Is Redis reachable? (readiness) */
  ping: () => Promise<void>;
  metrics?: Metrics;
}

/** What routes share: configuration, dependencies, metrics, admission, open deliveries. */
export interface GatewayContext extends Required<GatewayDependencies> {
  config: GatewayConfig;
  admission: Admission;
  deliveries: DeliveryRegistry;
  /** True once SIGTERM arrived: readiness fails, new requests get 503 `draining`. */
  draining: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    spool: GatewayContext;
  }
}

const ALWAYS_OPEN = new Set(['/healthz', '/readyz', '/metrics']);

export async function buildApp(
  config: GatewayConfig,
  dependencies: GatewayDependencies,
): Promise<FastifyInstance> {
  const metrics = dependencies.metrics ?? createMetrics();
  const app = Fastify({
    loggerInstance: dependencies.logger as FastifyBaseLogger,
    bodyLimit: config.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
  });
  const context: GatewayContext = {
    ...dependencies,
    metrics,
    config,
    admission: new Admission({ queue: dependencies.queue, config, metrics }),
    deliveries: new DeliveryRegistry(),
    draining: false,
  };
  app.decorate('spool', context);
  installErrorHandlers(app, metrics);
  installCors(app, config.corsOrigin);
  app.addHook('onRequest', async (request, reply) => {
    if (context.draining && !ALWAYS_OPEN.has(request.url.split('?')[0] ?? '')) {
      return sendError(reply, new SpoolError('draining'));
    }
  });
  registerHealthRoutes(app);
  await registerDemoRoutes(app);
  registerStreamRoutes(app);
  registerSubscriptionRoutes(app);
  registerEventsRoute(app);
  registerChatCompletionsRoute(app);
  await registerWebSocketRoute(app);
  return app;
}
