/**
 * `buildApp(config, dependencies)`: the gateway as a fastify app that does not listen.
 * Tests drive it with `inject()` or `listen({ port: 0 })`; only gateway.ts and server.ts
 * listen (fastify's app/server split). The composition root: it imports every route and
 * transport, and nothing below imports it.
 */
import { HTTP_ROUTES, SpoolError } from '@spool/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerAiSdkChatRoutes } from './ai-sdk/chat-routes.ts';
import { registerMessagesRoute } from './anthropic/messages.ts';
import { installAccessControl } from './auth/route-access.ts';
import type { GatewayConfig } from './config.ts';
import { buildContext, type GatewayDependencies } from './context.ts';
import { registerDurableStreamRoutes } from './durable-streams/ds-routes.ts';
import { answerClientError, newRequestId } from './http/client-errors.ts';
import { installCors } from './http/cors.ts';
import { frameworkErrorHandler, installErrorHandlers, sendError } from './http/errors.ts';
import { createMetrics } from './metrics.ts';
import './http/fastify-context.ts';
import { installJsonParser } from './http/json-body.ts';
import { registerChatCompletionsRoute } from './openai/chat-completions.ts';
import { registerDemoRoutes } from './routes/demo.ts';
import { registerEventsRoute } from './routes/events.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerStreamRoutes } from './routes/streams.ts';
import { registerSubscriptionRoutes } from './routes/subscriptions.ts';
import { registerWebSocketRoute } from './ws/ws-route.ts';

const ALWAYS_OPEN = new Set<string>(
  [HTTP_ROUTES.healthz, HTTP_ROUTES.readyz, HTTP_ROUTES.metrics].map((route) => route.path),
);

export async function buildApp(
  config: GatewayConfig,
  dependencies: GatewayDependencies,
): Promise<FastifyInstance> {
  const metrics = dependencies.metrics ?? createMetrics();
  const app = Fastify({
    genReqId: newRequestId,
    frameworkErrors: frameworkErrorHandler(metrics),
    clientErrorHandler: answerClientError,
    loggerInstance: dependencies.logger as FastifyBaseLogger,
    bodyLimit: config.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    // A request (headers and body) must arrive within this: a slow-drip body cannot hold a
    // connection. Node checks it every `connectionsCheckingInterval`.
    requestTimeout: config.bounds.requestTimeoutMs,
    http: {
      headersTimeout: config.bounds.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.bounds.requestTimeoutMs),
    },
  });
  const context = buildContext(config, { ...dependencies, metrics });
  app.decorate('spool', context);
  context.redisWatch.start();
  app.addHook('onClose', async () => context.redisWatch.stop());
  installErrorHandlers(app, context.metrics);
  installJsonParser(app, { lenient: false });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installCors(app, config.access.corsOrigins);
  app.addHook('onRequest', async (request, reply) => {
    if (context.draining && !ALWAYS_OPEN.has(request.url.split('?')[0] ?? '')) {
      return sendError(reply, new SpoolError('draining'));
    }
  });
  installAccessControl(app);
  app.addHook('onClose', async () => context.quotas.close());
  registerHealthRoutes(app);
  await registerDemoRoutes(app);
  registerStreamRoutes(app);
  registerSubscriptionRoutes(app);
  registerEventsRoute(app);
  registerChatCompletionsRoute(app);
  registerMessagesRoute(app);
  registerAiSdkChatRoutes(app);
  registerDurableStreamRoutes(app);
  await registerWebSocketRoute(app);
  return app;
}
