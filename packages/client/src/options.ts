/**
 * The options of a client and of one stream, and their defaults.
 */
import { type Chunking, EPOCH_PATTERN, MAX_WINDOW, SpoolError } from '@spool/protocol';
import { GatewayList } from './gateway-list.ts';

export type TransportName = 'ws' | 'sse';

export interface ReconnectOptions {
  /** First backoff bound, ms (default 100). */
  initialDelayMs?: number;
  /** Largest backoff bound, ms (default 5000). */
  maxDelayMs?: number;
  /** Consecutive failures after which a stream or request fails (default 20). */
  maxAttempts?: number;
}

export interface SpoolClientOptions {
  /** One load-balanced URL, or a list of gateways (http(s)://host:port) to rotate through on failure. */
  baseUrl: string | string[];
  /** 'auto' (default): WebSocket, falling back to SSE when a socket cannot open. */
  transport?: 'auto' | 'ws' | 'sse';
  /** A WebSocket constructor for runtimes without a global one (Node 20: `import WebSocket from 'ws'`). */
  WebSocket?: unknown;
  fetch?: typeof fetch;
  /** Sent with every HTTP request (a browser WebSocket cannot carry headers). */
  headers?: Record<string, string>;
  /**
   * An API key of a gateway with access control on: sent as `Authorization: Bearer <key>` with
   * every HTTP request, and as the `token` of WebSocket subscribes without one of their own.
   */
  apiKey?: string;
  /** Reconnect backoff: exponential with full jitter between these bounds. */
  reconnect?: ReconnectOptions;
  /** Default per-stream buffer bound, in items (also the window asked from the gateway). Default 256. */
  highWaterMark?: number;
}

export interface StreamOptions {
  /** Offset to start from (default 0). */
  from?: number;
  /**
   * The epoch of the items the application holds below `from` (`stream.epoch` when it saved
   * `stream.offset`): the gateway checks them; without it an offset is checked as one of the
   * stream's first epoch.
   */
  epoch?: string;
  /** Resume a durable subscription instead of an offset (mutually exclusive with `from`). */
  subscription?: string;
  chunking?: Chunking;
  /** The stream's read token (the create answer's `read_token`): how a reader without the API key reads it. */
  token?: string;
  highWaterMark?: number;
  /** Aborting it closes the stream, as `close()` does. */
  signal?: AbortSignal;
}

/** What `new WebSocket(url)` returns, as far as the SDK uses it (browsers, Node ≥ 22, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ResolvedClientOptions {
  gateways: GatewayList;
  transport: 'auto' | 'ws' | 'sse';
  WebSocket: WebSocketConstructor | undefined;
  fetch: typeof fetch;
  headers: Record<string, string>;
  apiKey: string | undefined;
  reconnect: Required<ReconnectOptions>;
  highWaterMark: number;
}

export const DEFAULT_HIGH_WATER_MARK = 256;

export function resolveClientOptions(options: SpoolClientOptions): ResolvedClientOptions {
  const transport = options.transport ?? 'auto';
  if (!['auto', 'ws', 'sse'].includes(transport)) {
    throw new SpoolError('invalid_request', 'transport: expected auto, ws or sse.');
  }
  const WebSocket = (options.WebSocket ?? globalThis.WebSocket) as WebSocketConstructor | undefined;
  if (WebSocket !== undefined && typeof WebSocket !== 'function') {
    throw new SpoolError('invalid_request', 'WebSocket: expected a constructor.');
  }
  const fetchFunction = options.fetch ?? globalThis.fetch;
  if (typeof fetchFunction !== 'function') {
    throw new SpoolError('invalid_request', 'fetch: this runtime has none; pass options.fetch.');
  }
  const reconnect = options.reconnect ?? {};
  return {
    gateways: new GatewayList(options.baseUrl),
    transport,
    WebSocket,
    // A bare `fetch` reference called as a method of another object throws in browsers.
    fetch: (input, init) => fetchFunction(input, init),
    headers: {
      ...options.headers,
      ...(options.apiKey === undefined ? {} : { Authorization: `Bearer ${options.apiKey}` }),
    },
    apiKey: options.apiKey,
    reconnect: {
      initialDelayMs: positive('reconnect.initialDelayMs', reconnect.initialDelayMs, 100),
      maxDelayMs: positive('reconnect.maxDelayMs', reconnect.maxDelayMs, 5_000),
      maxAttempts: positive('reconnect.maxAttempts', reconnect.maxAttempts, 20),
    },
    highWaterMark: highWaterMark(options.highWaterMark, DEFAULT_HIGH_WATER_MARK),
  };
}

/** A buffer bound: an integer 1..65536 (it is also the window asked from the gateway). */
export function highWaterMark(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_WINDOW) {
    throw new SpoolError('invalid_request', `highWaterMark: expected an integer 1..${MAX_WINDOW}.`);
  }
  return value;
}

/** Where a stream starts: an offset or a subscription, not both; `invalid_…` otherwise. */
export function checkStreamStart(options: StreamOptions): void {
  if (options.from !== undefined && options.subscription !== undefined) {
    throw new SpoolError('invalid_request', 'Give from or subscription, not both.');
  }
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
    throw new SpoolError('invalid_offset', 'from: expected a non-negative integer.');
  }
  if (options.epoch !== undefined && !EPOCH_PATTERN.test(options.epoch)) {
    throw new SpoolError('invalid_offset', 'epoch: expected 1–64 URL-safe characters.');
  }
  if (options.epoch !== undefined && options.subscription !== undefined) {
    throw new SpoolError('invalid_request', 'epoch goes with from, not with subscription.');
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new SpoolError('invalid_request', `${name}: expected a non-negative number.`);
  }
  return value;
}
