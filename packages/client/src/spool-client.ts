/**
 * The client: the HTTP API of SPEC section 3, and streams read over WebSocket or SSE.
 *
 * One WebSocket per gateway is shared by every stream of the client (opened lazily, closed when
 * unused). `create` always sends an `Idempotency-Key`, so its retries can never make a second
 * stream.
 */
import {
  type CreateStreamAnswer,
  type CreateSubscriptionAnswer,
  decodeCreateStreamAnswer,
  decodeCreateSubscriptionAnswer,
  decodeItemsPage,
  decodeStreamMetadata,
  encodeItemsQuery,
  type Item,
  type ItemsPage,
  type ItemsQueryInput,
  MAX_ITEMS_LIMIT,
  SpoolError,
  type StreamMetadata,
  streamPaths,
  WS_HEARTBEAT_PARAMETER,
  webSocketUrl,
} from '@spool/protocol';
import { HttpApi, type JsonRequest } from './http-api.ts';
import {
  type ResolvedClientOptions,
  resolveClientOptions,
  type SpoolClientOptions,
  type StreamOptions,
  type TransportName,
} from './options.ts';
import { SpoolStream } from './spool-stream.ts';
import type { StreamHost } from './stream-host.ts';
import { WsSocket } from './ws-socket.ts';

export interface CreateStreamRequest {
  prompt?: string;
  messages?: { role: string; content: string }[];
  model?: string;
  params?: Record<string, string | number | boolean>;
  metadata?: Record<string, string>;
  /** Sent as `Idempotency-Key`; a random UUID when not given. */
  idempotencyKey?: string;
}

/** How long 'auto' prefers SSE after a WebSocket could not open where SSE could. */
const WEBSOCKET_BLOCKED_MS = 60_000;

export class SpoolClient {
  readonly #options: ResolvedClientOptions;
  readonly #http: HttpApi;
  readonly #sockets = new Map<string, WsSocket>();
  readonly #streams = new Set<SpoolStream>();
  readonly #host: StreamHost;
  #webSocketBlockedUntil = 0;

  constructor(options: SpoolClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#http = new HttpApi(this.#options);
    this.#host = this.#streamHost();
  }

  /** Creates a stream and enqueues its generation. Retries are safe: same key, same stream. */
  async create(request: CreateStreamRequest): Promise<CreateStreamAnswer> {
    const { idempotencyKey, ...body } = request;
    const response = await this.#http.json(
      {
        method: 'POST',
        path: streamPaths.streams(),
        body,
        headers: { 'Idempotency-Key': idempotencyKey ?? randomKey() },
      },
      decodeCreateStreamAnswer,
    );
    return response.body;
  }

  /** Reads a stream: iterate it, or listen to its events. */
  stream(id: string, options: StreamOptions = {}): SpoolStream {
    const stream = new SpoolStream({ host: this.#host, id, options });
    this.#streams.add(stream);
    return stream;
  }

  async cancel(id: string): Promise<void> {
    await this.#http.json({ method: 'POST', path: streamPaths.cancel(id) });
  }

  async meta(id: string): Promise<StreamMetadata> {
    const request = { method: 'GET', path: streamPaths.stream(id) } as const;
    return (await this.#http.json(request, decodeStreamMetadata)).body;
  }

  /** A plain catch-up read: `[from, from + limit)`, or the items of one block (`block`). */
  async items(id: string, query: ItemsQueryInput = {}): Promise<ItemsPage> {
    const path = streamPaths.items(id) + encodeItemsQuery(query);
    return (await this.#http.json({ method: 'GET', path }, decodeItemsPage)).body;
  }

  /** Every item of block `block` (its `block_start`, tokens and `block_end`), paging to the end. */
  async block(id: string, block: number): Promise<Item[]> {
    const items: Item[] = [];
    let from = 0;
    for (;;) {
      const page = await this.items(id, { from, limit: MAX_ITEMS_LIMIT, block });
      items.push(...page.items);
      if (page.done || page.next <= from) return items;
      from = page.next;
    }
  }

  /** Creates a durable subscription (a server-side cursor any gateway can resume). */
  async createSubscription(
    id: string,
    options: { from?: number } = {},
  ): Promise<CreateSubscriptionAnswer> {
    const response = await this.#http.json(
      { method: 'POST', path: streamPaths.subscriptions(id), body: options },
      decodeCreateSubscriptionAnswer,
    );
    return response.body;
  }

  async deleteSubscription(id: string, subscription: string): Promise<void> {
    await this.#http.json({ method: 'DELETE', path: streamPaths.subscription(id, subscription) });
  }

  /** Closes every socket and ends every open stream (their iterators return). */
  close(): void {
    for (const stream of [...this.#streams]) stream.close();
    this.#streams.clear();
    for (const socket of [...this.#sockets.values()]) socket.close();
    this.#sockets.clear();
  }

  #streamHost(): StreamHost {
    const options = this.#options;
    return {
      options,
      transport: (fallback) => this.#transport(fallback),
      webSocketBlocked: () => {
        this.#webSocketBlockedUntil = Date.now() + WEBSOCKET_BLOCKED_MS;
      },
      socket: (gateway) => this.#socket(gateway),
      acknowledge: async (input) => {
        await this.#http.json({
          method: 'POST',
          path: streamPaths.ack(input.stream, input.subscription),
          body: { offset: input.offset },
          gateway: input.gateway,
          attempts: input.attempts,
        } satisfies JsonRequest);
      },
      finishReason: async (id) => {
        const meta = await this.meta(id);
        return meta.finish_reason ?? meta.status;
      },
      cancel: (id) => this.cancel(id),
      forget: (stream) => {
        this.#streams.delete(stream as SpoolStream);
      },
    };
  }

  #transport(fallback: boolean): TransportName | SpoolError {
    const { transport, WebSocket } = this.#options;
    if (transport === 'sse') return 'sse';
    if (WebSocket === undefined) {
      if (transport === 'auto') return 'sse';
      return new SpoolError(
        'invalid_request',
        "transport 'ws': this runtime has no WebSocket; pass options.WebSocket (the ws package).",
      );
    }
    if (transport === 'ws') return 'ws';
    return fallback || Date.now() < this.#webSocketBlockedUntil ? 'sse' : 'ws';
  }

  #socket(gateway: string): WsSocket {
    const existing = this.#sockets.get(gateway);
    if (existing !== undefined && !existing.closed) return existing;
    const WebSocket = this.#options.WebSocket;
    if (WebSocket === undefined) throw new SpoolError('internal', 'No WebSocket implementation.');
    const socket = new WsSocket({
      url: `${webSocketUrl(gateway)}?${WS_HEARTBEAT_PARAMETER}=true`,
      WebSocket,
      onGone: (gone) => {
        if (this.#sockets.get(gateway) === gone) this.#sockets.delete(gateway);
      },
    });
    this.#sockets.set(gateway, socket);
    return socket;
  }
}

/** A random UUID v4; `crypto.randomUUID` only exists in secure contexts in browsers. */
function randomKey(): string {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
