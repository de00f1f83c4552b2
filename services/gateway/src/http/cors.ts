/**
 * CORS for browsers calling the API from another origin (the demo page switching gateways, a
 * web app on its own domain): `SPOOL_CORS_ORIGINS` lists the origins allowed (default none:
 * same-origin only; `*` any), and preflights are answered here. The origin of a request from a
 * page outside the list is refused (403) by the access-control hook (auth/route-access.ts),
 * WebSocket upgrades included.
 */
import type { FastifyInstance } from 'fastify';
import { type OriginPolicy, originAllowed } from '../auth/origins.ts';

/** Durable Streams' request headers (docs/protocol.md section 14), If-None-Match included. */
const DURABLE_STREAMS_HEADERS =
  'if-none-match, stream-seq, stream-ttl, stream-expires-at, stream-closed, producer-id, ' +
  'producer-epoch, producer-seq, stream-forked-from, stream-fork-offset, stream-fork-sub-offset';
const ALLOWED_HEADERS = `content-type, idempotency-key, last-event-id, authorization, ${DURABLE_STREAMS_HEADERS}`;
const EXPOSED_HEADERS =
  'x-spool-stream-id, x-spool-epoch, x-spool-heartbeat-ms, x-spool-read-token, retry-after, ' +
  'stream-next-offset, stream-cursor, stream-up-to-date, stream-closed, stream-ttl, ' +
  'stream-expires-at, stream-sse-data-encoding, producer-epoch, producer-seq, ' +
  'producer-expected-seq, producer-received-seq, etag, location';

export function installCors(app: FastifyInstance, policy: OriginPolicy): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    reply.header('vary', 'origin');
    if (!originAllowed(policy, origin, request.headers.host)) return;
    reply.header('access-control-allow-origin', policy.any ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply.header('access-control-allow-methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
