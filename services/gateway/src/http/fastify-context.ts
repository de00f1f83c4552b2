/**
 * The gateway context on every fastify instance (`app.spool`, `request.server.spool`): app.ts
 * decorates it, routes and transports read it.
 */
import type { GatewayContext } from '../context.ts';

declare module 'fastify' {
  interface FastifyInstance {
    spool: GatewayContext;
  }
}
