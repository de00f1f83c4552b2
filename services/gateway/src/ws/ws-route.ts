/**
 * `GET /v1/ws`: the WebSocket endpoint (SPEC section 5), through @fastify/websocket (ws).
 *
 * Refusals happen before the upgrade (429 over the connection limit, 503 while draining, 403 a
 * page's `Origin` outside `SPOOL_CORS_ORIGINS`, 401 a bad credential: auth/route-access.ts).
 * Frames above `SPOOL_WS_MAX_FRAME_BYTES` get a `payload_too_large` error frame and the socket
 * goes on; above `SPOOL_WS_MAX_PAYLOAD_BYTES` ws closes it with 1009. A ping every
 * `SPOOL_WS_PING_MS`; a peer that did not answer the previous one is dropped. Draining closes
 * every socket with 1012 so clients reconnect to another gateway.
 */
import websocket from '@fastify/websocket';
import { HTTP_ROUTES, type SpoolError } from '@spool/protocol';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ClientGone } from '../delivery/delivery-failure.ts';
import { WsConnection } from './ws-connection.ts';

export const CLOSE_DRAINING = 1012;

export async function registerWebSocketRoute(app: FastifyInstance): Promise<void> {
  const { config } = app.spool;
  await app.register(websocket, {
    options: { maxPayload: config.ws.maxPayloadBytes, perMessageDeflate: false },
  });
  app.get(
    HTTP_ROUTES.webSocket.path,
    {
      websocket: true,
      preValidation: async () => {
        app.spool.admission.checkConnection(app.spool.deliveries.size);
      },
    },
    (socket, request) => serve(app, socket, request.spoolCredential),
  );
}

function serve(app: FastifyInstance, socket: WebSocket, credential: string | undefined): void {
  const context = app.spool;
  const labels = { transport: 'ws' } as const;
  const connection = new WsConnection(socket, context, credential);
  const unregister = context.deliveries.add({
    close: (reason: SpoolError) => {
      connection.closeAll(reason);
      socket.close(reason.code === 'draining' ? CLOSE_DRAINING : 1011, reason.code);
    },
  });
  context.metrics.connections.inc(labels);
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const pinger = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, context.config.ws.pingMs);
  socket.on('message', (data: Buffer, isBinary: boolean) =>
    connection.receive(isBinary ? new Uint8Array(data) : data.toString('utf8')),
  );
  socket.on('close', () => {
    clearInterval(pinger);
    unregister();
    context.metrics.connections.dec(labels);
    connection.closeAll(new ClientGone('The socket closed.'));
  });
  socket.on('error', (error) => context.logger.debug({ err: error }, 'WebSocket error'));
}
