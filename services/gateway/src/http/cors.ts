/**
 * CORS for browsers calling the API from another origin (the demo page switching gateways, a
 * web app on its own domain): `SPOOL_CORS_ORIGIN` (default `*`), preflights answered here.
 * WebSocket upgrades are not subject to CORS.
 */
import type { FastifyInstance } from 'fastify';

const ALLOWED_HEADERS = 'content-type, idempotency-key, last-event-id, authorization';
const EXPOSED_HEADERS = 'x-spool-stream-id, x-spool-epoch, x-spool-heartbeat-ms, retry-after';

export function installCors(app: FastifyInstance, origin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (origin !== '*') reply.header('vary', 'origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply.header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
