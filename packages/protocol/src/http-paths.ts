/**
 * The routes of SPEC section 3, in one place: the gateway registers them by their patterns
 * (`/v1/streams/:id/events`, fastify's syntax), the SDK builds request paths with `streamPaths`,
 * and the create answer's `urls` come from `streamUrls`. No zod: the SDK imports this module.
 */

/** Every HTTP route of SPEC section 3 (and `/v1/ws`, which starts as a GET), by method and pattern. */
export const HTTP_ROUTES = {
  createStream: { method: 'POST', path: '/v1/streams' },
  getStream: { method: 'GET', path: '/v1/streams/:id' },
  getItems: { method: 'GET', path: '/v1/streams/:id/items' },
  getEvents: { method: 'GET', path: '/v1/streams/:id/events' },
  cancelStream: { method: 'POST', path: '/v1/streams/:id/cancel' },
  createSubscription: { method: 'POST', path: '/v1/streams/:id/subscriptions' },
  ackSubscription: { method: 'POST', path: '/v1/streams/:id/subscriptions/:sub/ack' },
  deleteSubscription: { method: 'DELETE', path: '/v1/streams/:id/subscriptions/:sub' },
  webSocket: { method: 'GET', path: '/v1/ws' },
  chatCompletions: { method: 'POST', path: '/v1/chat/completions' },
  messages: { method: 'POST', path: '/v1/messages' },
  aiSdkChat: { method: 'POST', path: '/v1/ai-sdk/chat' },
  aiSdkChatStream: { method: 'GET', path: '/v1/ai-sdk/chat/:chat/stream' },
  aiSdkChatStop: { method: 'POST', path: '/v1/ai-sdk/chat/:chat/stop' },
  // Durable Streams (docs/protocol.md section 14): one pattern, every method of the protocol.
  durableStream: { method: 'ANY', path: '/v1/stream/*' },
  healthz: { method: 'GET', path: '/healthz' },
  readyz: { method: 'GET', path: '/readyz' },
  metrics: { method: 'GET', path: '/metrics' },
} as const satisfies Record<string, HttpRoute>;

export interface HttpRoute {
  /** `ANY`: the route answers several methods (Durable Streams: PUT, POST, GET, HEAD, DELETE). */
  method: 'GET' | 'POST' | 'DELETE' | 'ANY';
  /** The path with `:id` (stream), `:sub` (subscription) and `:chat` (AI SDK chat) parameters. */
  path: string;
}

export type HttpRouteName = keyof typeof HTTP_ROUTES;

/** The path parameters of the routes: `:id` a stream id, `:sub` a subscription id, `:chat` a chat id. */
export interface HttpPathParams {
  id?: string;
  sub?: string;
  chat?: string;
}

/**
 * The path of `route` with its parameters filled in, each URI-encoded (a valid id encodes to
 * itself). Throws when `route` names a parameter `params` lacks: a caller's bug.
 */
export function httpPath(route: HttpRouteName, params: HttpPathParams = {}): string {
  return HTTP_ROUTES[route].path.replace(
    /:(id|sub|chat)\b/g,
    (_match, name: 'id' | 'sub' | 'chat') => {
      const value = params[name];
      if (value === undefined) throw new TypeError(`${route}: missing the :${name} parameter`);
      return encodeURIComponent(value);
    },
  );
}

/** The request paths of one stream's routes, e.g. `streamPaths.events(id)`. */
export const streamPaths = {
  /** `POST` creates a stream. */
  streams: (): string => httpPath('createStream'),
  /** `GET` its metadata. */
  stream: (id: string): string => httpPath('getStream', { id }),
  items: (id: string): string => httpPath('getItems', { id }),
  events: (id: string): string => httpPath('getEvents', { id }),
  cancel: (id: string): string => httpPath('cancelStream', { id }),
  /** `POST` creates a subscription. */
  subscriptions: (id: string): string => httpPath('createSubscription', { id }),
  /** `DELETE` drops it. */
  subscription: (id: string, sub: string): string => httpPath('deleteSubscription', { id, sub }),
  ack: (id: string, sub: string): string => httpPath('ackSubscription', { id, sub }),
};

/** Where a client reads a stream: the `urls` of the create answer. */
export interface StreamUrls {
  events: string;
  ws: string;
  items: string;
}

/**
 * The `urls` of stream `id`: absolute under `baseUrl` when one is given (the WebSocket URL then
 * has the matching `ws:`/`wss:` scheme), otherwise paths relative to the gateway that answers.
 */
export function streamUrls(id: string, baseUrl?: string): StreamUrls {
  const paths = {
    events: streamPaths.events(id),
    ws: HTTP_ROUTES.webSocket.path,
    items: streamPaths.items(id),
  };
  if (baseUrl === undefined) return paths;
  const base = withoutTrailingSlashes(baseUrl);
  return { events: base + paths.events, ws: webSocketUrl(base), items: base + paths.items };
}

/** The WebSocket endpoint under a gateway's base URL: `ws(s)://host[:port][/prefix]/v1/ws`. */
export function webSocketUrl(baseUrl: string): string {
  const base = withoutTrailingSlashes(baseUrl).replace(/^http(s?):/i, 'ws$1:');
  return base + HTTP_ROUTES.webSocket.path;
}

function withoutTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
