/**
 * `GET /v1/ws`: the WebSocket endpoint (SPEC section 5), through @fastify/websocket (ws).
 *
 * Refusals happen before the upgrade (429 over the connection limit, 503 while draining, 403 a
 * page's `Origin` outside `SPOOL_CORS_ORIGINS`, 401 a bad credential: auth/route-access.ts); a
 * GET without an upgrade is 400 `invalid_request`.
 * Frames above `SPOOL_WS_MAX_FRAME_BYTES` get a `payload_too_large` error frame and the socket
 * goes on; above `SPOOL_WS_MAX_PAYLOAD_BYTES` ws closes it with 1009. A ping every
 * `SPOOL_WS_PING_MS`; a peer that did not answer the previous one is dropped. Draining closes
 * every socket with 1012 so clients reconnect to another gateway.
 *
 * A socket whose URL asks for them (`?heartbeat=true`, liveness.ts) gets a `heartbeat` frame
 * whenever it has been sent nothing for `SPOOL_HEARTBEAT_MS`: protocol pings are invisible to a
 * browser's WebSocket, so a client could not tell a quiet stream from a dead connection.
 */
import websocket from '@fastify/websocket';
import { HTTP_ROUTES, SpoolError, WS_HEARTBEAT_PARAMETER } from '@spool/protocol';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ClientGone } from '../delivery/delivery-failure.ts';
import { admitConnection, clientOf } from '../http/client-identity.ts';
import { WsConnection } from './ws-connection.ts';

export const CLOSE_DRAINING = 1012;

export async function registerWebSocketRoute(app: FastifyInstance): Promise<void> {
  const { config } = app.spool;
  await app.register(websocket, {
    options: { maxPayload: config.ws.maxPayloadBytes, perMessageDeflate: false },
    // The plugin's default cuts the socket on any error. ws has then already answered a protocol
    // error (1007, 1009) with its close frame and closes the socket itself; cut while the client
    // is still sending (an oversized frame), the socket is reset and the client never reads that
    // frame (it sees 1006). What ws does not answer (the handler threw) closes with 1011.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: error }, 'WebSocket error');
      if (socket.readyState === socket.OPEN) socket.close(1011, 'internal_error');
    },
  });
  app.route({
    method: 'GET',
    url: HTTP_ROUTES.webSocket.path,
    preValidation: async (request) => admitConnection(request),
    // A plain GET (no upgrade): @fastify/websocket's own answer would be a bodiless 404.
    handler: async () => {
      throw new SpoolError(
        'invalid_request',
        'GET /v1/ws takes a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket).',
      );
    },
    wsHandler: (socket, request) =>
      serve(app, socket, {
        client: clientOf(request),
        heartbeats: (request.query as Record<string, unknown>)[WS_HEARTBEAT_PARAMETER] === 'true',
        credential: request.spoolCredential,
      }),
  });
}

function serve(
  app: FastifyInstance,
  socket: WebSocket,
  {
    client,
    heartbeats,
    credential,
  }: { client: string; heartbeats: boolean; credential: string | undefined },
): void {
  const context = app.spool;
  const labels = { transport: 'ws' } as const;
  const connection = new WsConnection(socket, context, credential);
  const unregister = context.deliveries.add({
    client,
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
  const idle = idleCloser(socket, connection, context.config.bounds.wsIdleMs);
  const pinger = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, context.config.ws.pingMs);
  const heartbeat = heartbeats
    ? setInterval(() => connection.heartbeat(), Math.max(50, context.config.heartbeatMs / 2))
    : undefined;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    idle.touch();
    connection.receive(isBinary ? new Uint8Array(data) : data.toString('utf8'));
  });
  socket.on('close', () => {
    clearInterval(pinger);
    clearInterval(heartbeat);
    idle.stop();
    unregister();
    context.metrics.connections.dec(labels);
    connection.closeAll(new ClientGone('The socket closed.'));
  });
  socket.on('error', (error) => context.logger.debug({ err: error }, 'WebSocket error'));
}

/** Close code of a socket closed for idling: 1000 with the reason `idle`. */
export const CLOSE_IDLE = 1000;

/**
 * Closes a socket that follows no stream and has sent no frame for `idleMs` (SPOOL_WS_IDLE_MS):
 * an idle socket holds a share of the connection limit for nothing.
 */
function idleCloser(socket: WebSocket, connection: WsConnection, idleMs: number) {
  let lastActive = Date.now();
  const timer = setInterval(
    () => {
      if (connection.streams > 0) lastActive = Date.now();
      else if (Date.now() - lastActive >= idleMs) socket.close(CLOSE_IDLE, 'idle');
    },
    Math.max(100, Math.floor(idleMs / 4)),
  );
  timer.unref();
  return {
    touch: () => {
      lastActive = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}
