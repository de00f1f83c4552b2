/**
 * One WebSocket to one gateway, shared by every stream of the client that reads through that
 * gateway (SPEC section 5: many streams multiplexed). Opened when the first stream attaches,
 * closed shortly after the last one detaches. Server frames are routed to streams by `stream`.
 * When the socket closes, every stream on it hears it and resumes on its own.
 */
import {
  type Chunk,
  type ClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  type ProtocolError,
  type SubscribedFrame,
} from '@spool/protocol';
import type { WebSocketConstructor, WebSocketLike } from './options.ts';

/** A stream's handlers for the frames of its stream. */
export interface WsRoute {
  subscribed(frame: SubscribedFrame): void;
  chunk(chunk: Chunk): void;
  /** An error frame for the stream, or a frame of it that could not be decoded. */
  error(error: ProtocolError, undecodable: boolean): void;
  /** The socket is gone; `opened`: it had opened before. */
  closed(code: number, opened: boolean): void;
}

/** Close code the SDK uses when the application cuts a socket (`drop()`). */
export const CLOSE_DROPPED = 4000;
/** How long a socket waits to open before it counts as failed. */
const OPEN_TIMEOUT_MS = 10_000;
/** How long an unused socket stays open, for a stream that resubscribes at once. */
const LINGER_MS = 500;

export class WsSocket {
  readonly url: string;
  readonly #routes = new Map<string, WsRoute>();
  readonly #onGone: (socket: WsSocket) => void;
  #socket: WebSocketLike | undefined;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  #pending: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(input: {
    url: string;
    WebSocket: WebSocketConstructor;
    onGone: (socket: WsSocket) => void;
  }) {
    this.url = input.url;
    this.#onGone = input.onGone;
    try {
      this.#socket = new input.WebSocket(input.url);
    } catch {
      // Reported to the routes that attach in this tick, like a socket that failed to open.
      queueMicrotask(() => this.#shutdown(1006));
      return;
    }
    this.#socket.binaryType = 'arraybuffer';
    this.#socket.addEventListener('open', () => this.#opened());
    this.#socket.addEventListener('message', (event: { data: unknown }) =>
      this.#receive(event.data),
    );
    this.#socket.addEventListener('close', (event: { code: number }) => this.#shutdown(event.code));
    // After opening, an error is followed by `close` with the real code.
    this.#socket.addEventListener('error', () => {
      if (this.#state === 'connecting') this.#shutdown(1006);
    });
    this.#timer = unrefTimer(setTimeout(() => this.close(1006), OPEN_TIMEOUT_MS));
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  attach(stream: string, route: WsRoute): void {
    this.#routes.set(stream, route);
    if (this.#state === 'open') this.#clearTimer();
  }

  /** Forgets `route` (if it still is the stream's); the socket closes when none is left. */
  detach(stream: string, route: WsRoute): void {
    if (this.#routes.get(stream) !== route) return;
    this.#routes.delete(stream);
    this.#lingerIfUnused();
  }

  /** Sends a frame now, or once the socket opens; dropped once it has closed. */
  send(frame: ClientFrame): void {
    const text = encodeClientFrame(frame);
    if (this.#state === 'open') this.#socket?.send(text);
    else if (this.#state === 'connecting') this.#pending.push(text);
  }

  /** Cuts the socket as a network failure would: every stream on it resumes. */
  drop(): void {
    this.close(CLOSE_DROPPED);
  }

  close(code = 1000): void {
    if (this.#state === 'closed') return;
    try {
      this.#socket?.close(code === 1006 ? 1000 : code);
    } catch {
      // Closing a socket that never opened may throw in some implementations.
    }
    this.#shutdown(code);
  }

  #opened(): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'open';
    this.#clearTimer();
    for (const text of this.#pending) this.#socket?.send(text);
    this.#pending = [];
    this.#lingerIfUnused();
  }

  #lingerIfUnused(): void {
    if (this.#routes.size > 0 || this.#state !== 'open') return;
    this.#clearTimer();
    this.#timer = unrefTimer(setTimeout(() => this.close(1000), LINGER_MS));
  }

  #receive(data: unknown): void {
    if (this.#state !== 'open') return;
    const decoded = decodeServerFrame(frameData(data));
    if (!decoded.ok) {
      const route = decoded.error.stream ? this.#routes.get(decoded.error.stream) : undefined;
      // A frame that names no stream of ours cannot be attributed: resume them all.
      if (route === undefined) this.drop();
      else route.error(decoded.error, true);
      return;
    }
    const { frame } = decoded;
    const stream = frame.kind === 'error' ? frame.error.stream : frame.stream;
    const route = stream === undefined ? undefined : this.#routes.get(stream);
    if (route === undefined) return;
    if (frame.kind === 'subscribed') route.subscribed(frame);
    else if (frame.kind === 'chunk') route.chunk(frame.chunk);
    else route.error(frame.error, false);
  }

  #shutdown(code: number): void {
    if (this.#state === 'closed') return;
    const opened = this.#state === 'open';
    this.#state = 'closed';
    this.#clearTimer();
    this.#pending = [];
    this.#onGone(this);
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    for (const route of routes) route.closed(code, opened);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function frameData(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return '';
}

/** Lets Node exit while only this timer is pending; a no-op in browsers. */
function unrefTimer(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
