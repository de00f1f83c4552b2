/**
 * Who a request comes from, for per-client shares of the gateway's limits (issue 13): the API
 * key's id once authentication has set `request.spoolClient`, else the peer's address. Behind a
 * proxy every client has the proxy's address, so shares by address are only as fine as that.
 */
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication (the API key's id) to key this client's shares by it. */
    spoolClient?: string;
  }
}

export function clientOf(request: FastifyRequest): string {
  return request.spoolClient ?? `address:${request.ip}`;
}

/**
 * Throws `over_capacity` when the gateway, or this request's client, holds all the deliveries
 * it may (SPOOL_MAX_CONNECTIONS, SPOOL_MAX_CONNECTIONS_PER_CLIENT).
 */
export function admitConnection(request: FastifyRequest): void {
  const { admission, deliveries } = request.server.spool;
  const client = clientOf(request);
  admission.checkConnection(deliveries.size, { id: client, open: deliveries.countOf(client) });
}
