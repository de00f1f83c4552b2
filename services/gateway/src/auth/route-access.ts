/**
 * Access control on the HTTP routes (docs/security.md), in one hook: each route of SPEC section 3
 * needs an API key (`key`), the key that created its stream (`owner`), the stream's read token or
 * that key (`read`), or nothing (`open`). The table covers every route of `HTTP_ROUTES`, so a new
 * route does not compile until someone decides what it needs. Browser origins are checked here
 * too, and long-held requests (SSE, WebSocket, chat answers) take a connection slot of their key.
 * The key's name also becomes `request.spoolClient`, which keys the per-client connection shares.
 */
import {
  HTTP_ROUTES,
  type HttpRouteName,
  isSpoolError,
  isStreamId,
  SpoolError,
} from '@spool/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { credentialOf } from './access-control.ts';
import type { ApiKey } from './api-keys.ts';
import { originAllowed } from './origins.ts';

type Access = 'key' | 'owner' | 'read' | 'socket' | 'durable' | 'open';

const ROUTE_ACCESS = {
  createStream: 'key',
  getStream: 'read',
  getItems: 'read',
  getEvents: 'read',
  cancelStream: 'owner',
  createSubscription: 'owner',
  ackSubscription: 'read',
  deleteSubscription: 'owner',
  webSocket: 'socket',
  chatCompletions: 'key',
  messages: 'key',
  // A chat's streams are found by the key that asked (the chat → stream name is per key).
  aiSdkChat: 'key',
  aiSdkChatStream: 'key',
  aiSdkChatStop: 'key',
  // A token stream's name (`st_…`): its read rules; any other Durable Stream: an API key.
  durableStream: 'durable',
  healthz: 'open',
  readyz: 'open',
  metrics: 'open',
} as const satisfies Record<HttpRouteName, Access>;

/** Routes that hold their request open for a whole stream: each takes a connection slot. */
const HELD: ReadonlySet<HttpRouteName> = new Set([
  'getEvents',
  'webSocket',
  'chatCompletions',
  'messages',
  'aiSdkChat',
  'aiSdkChatStream',
]);

/** Whether the request holds its answer open: a held route, or a live Durable Streams read. */
function holdsOpen(request: FastifyRequest, name: HttpRouteName): boolean {
  if (name === 'durableStream') return request.method === 'GET' && /[?&]live=/.test(request.url);
  return HELD.has(name);
}

const ACCESS_BY_ROUTE = new Map<string, { name: HttpRouteName; access: Access }>(
  (Object.keys(HTTP_ROUTES) as HttpRouteName[]).map((name) => [
    `${HTTP_ROUTES[name].method} ${HTTP_ROUTES[name].path}`,
    { name, access: ROUTE_ACCESS[name] },
  ]),
);

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with (access control on, a key given). */
    spoolKey?: ApiKey;
    /** A WebSocket's credential (key or read token), the default of its subscribes. */
    spoolCredential?: string;
  }
}

export function installAccessControl(app: FastifyInstance): void {
  app.decorateRequest('spoolKey', undefined);
  app.decorateRequest('spoolCredential', undefined);
  app.addHook('onRequest', async (request, reply) => {
    checkOrigin(request);
    const route = routeOf(request);
    if (route === undefined || route.access === 'open') return;
    const keyId = await authorize(request, route.access);
    // Per-client shares of the gateway's limits (http/client-identity.ts) go by the API key's
    // name when there is one, not by the address (every client behind a proxy shares that).
    if (keyId !== undefined) request.spoolClient = `key:${keyId}`;
    if (keyId !== undefined && route.name !== undefined && holdsOpen(request, route.name)) {
      await holdConnection(request, reply, keyId);
    }
  });
  app.addHook('onError', async (_request, reply, error) => {
    const seconds = isSpoolError(error, 'quota_exceeded')
      ? error.details?.retryAfterSeconds
      : undefined;
    if (typeof seconds === 'number') reply.header('Retry-After', String(seconds));
  });
}

/**
 * What the request's route needs. HEAD runs its GET route's handler (fastify adds one per GET),
 * so it needs what the GET needs. A registered `/v1/` route missing from the table needs a key;
 * the demo page and its assets are open, and unknown paths answer 404 on their own.
 */
function routeOf(
  request: FastifyRequest,
): { name: HttpRouteName | undefined; access: Access } | undefined {
  const path = request.routeOptions.url;
  if (path === undefined) return undefined;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const route = ACCESS_BY_ROUTE.get(`${method} ${path}`) ?? ACCESS_BY_ROUTE.get(`ANY ${path}`);
  if (route !== undefined) return route;
  return path.startsWith('/v1/') ? { name: undefined, access: 'key' } : undefined;
}

/** Checks the request's right to its route; the key id whose quotas count it, if any. */
async function authorize(request: FastifyRequest, access: Access): Promise<string | undefined> {
  const { access: control } = request.server.spool;
  if (!control.enabled) return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const credential = credentialOf(request.headers.authorization, query?.token);
  switch (access) {
    case 'key':
      request.spoolKey = control.requireKey(credential);
      return request.spoolKey?.id;
    case 'socket':
      // Browsers cannot send headers on a WebSocket: subscribe frames carry their tokens.
      request.spoolCredential = credential;
      return control.connectionGrant(credential).keyId;
    case 'owner': {
      request.spoolKey = control.requireKey(credential);
      await control.authorizeOwner(streamIdOf(request), request.spoolKey);
      return request.spoolKey?.id;
    }
    case 'read':
      return (await control.authorizeRead(streamIdOf(request), credential)).keyId;
    case 'durable': {
      const name = (request.url.split('?')[0] ?? '').slice('/v1/stream/'.length);
      const readsTokenStream =
        isStreamId(name) && (request.method === 'GET' || request.method === 'HEAD');
      if (readsTokenStream) return (await control.authorizeRead(name, credential)).keyId;
      request.spoolKey = control.requireKey(credential);
      return request.spoolKey?.id;
    }
    case 'open':
      return undefined;
  }
}

function streamIdOf(request: FastifyRequest): string {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  if (!isStreamId(id)) throw new SpoolError('invalid_stream_id', `Not a stream id: ${String(id)}`);
  return id;
}

/** A cross-origin browser request from an origin outside `SPOOL_CORS_ORIGINS`: 403. */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const policy = request.server.spool.config.access.corsOrigins;
  if (!originAllowed(policy, origin, request.headers.host)) {
    throw new SpoolError(
      'forbidden',
      `Origin ${origin.slice(0, 200)} is not allowed here (SPOOL_CORS_ORIGINS).`,
    );
  }
}

async function holdConnection(request: FastifyRequest, reply: FastifyReply, keyId: string) {
  const release = await request.server.spool.quotas.openConnection(keyId);
  // A WebSocket holds its TCP socket for its life; an HTTP answer ends with its response.
  if (request.ws) request.raw.socket.once('close', release);
  else reply.raw.once('close', release);
}
