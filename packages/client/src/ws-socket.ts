/**
 * One WebSocket to one gateway, shared by every stream of the client that reads through that
 * gateway (SPEC section 5: many streams multiplexed). Opened when the first stream attaches,
 * closed shortly after the last one detaches. Server frames are routed to streams by `stream`.
 * When the socket closes, every stream on it hears it and resumes on its own.
 *
 * Liveness: the socket asks for heartbeat frames (`?heartbeat=true`) and learns the gateway's
 * interval from its `subscribed` and `heartbeat` frames. While streams are attached, a socket
 * that receives nothing for the bound derived from it (liveness.ts) is closed as silent
 * (`heartbeat_timeout`): every stream on it resumes, on the next gateway. Until the interval is
 * told, the bound is `CONNECT_TIMEOUT_MS`; a gateway that answers `subscribed` without one (from
 * before heartbeats) is not watched.
 */
import {
  type Chunk,
  type ClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  livenessBoundMs,
  type ProtocolError,
  type ServerFrame,
  type SubscribedFrame,
} from '@spool/protocol';
import { CLOSE_DROPPED, CLOSE_SILENT } from './errors.ts';
import { CONNECT_TIMEOUT_MS, LivenessTimer } from './liveness-timer.ts';
import type { WebSocketConstructor, WebSocketLike } from './options.ts';

/** A stream's handlers for the frames of its stream. */
export interface WsRoute {
  subscribed(frame: SubscribedFrame): void;
  chunk(chunk: Chunk): void;
  /** An error frame for the stream, or a frame of it that could not be decoded. */
  error(error: ProtocolError, undecodable: boolean): void;
  /** The socket is gone; `opened`: it had opened before; `reason`: the close reason. */
  closed(code: number, opened: boolean, reason: string): void;
}

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
  readonly #liveness = new LivenessTimer(() => this.close(CLOSE_SILENT));
  /** The liveness bound: `CONNECT_TIMEOUT_MS` until told, undefined once a gateway told none. */
  #boundMs: number | undefined = CONNECT_TIMEOUT_MS;

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
    this.#socket.addEventListener('close', (event: { code: number; reason?: string }) =>
      this.#shutdown(event.code, event.reason ?? ''),
    );
    // After opening, an error is followed by `close` with the real code.
    this.#socket.addEventListener('error', () => {
      if (this.#state === 'connecting') this.#shutdown(1006);
    });
    this.#timer = unrefTimer(setTimeout(() => this.close(1006), CONNECT_TIMEOUT_MS));
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  attach(stream: string, route: WsRoute): void {
    this.#routes.set(stream, route);
    if (this.#state === 'open') {
      this.#clearTimer();
      // A new subscribe expects an answer: the wait starts now if nothing else was awaited.
      if (this.#routes.size === 1) this.#liveness.arm(this.#boundMs);
    }
  }

  /** Forgets `route` (if it still is the stream's); the socket closes when none is left. */
  detach(stream: string, route: WsRoute): void {
    if (this.#routes.get(stream) !== route) return;
    this.#routes.delete(stream);
    if (this.#routes.size === 0) this.#liveness.pause();
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
    if (this.#routes.size > 0) this.#liveness.arm(this.#boundMs);
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
    if (decoded.ok) this.#told(decoded.frame);
    if (this.#routes.size > 0) this.#liveness.arm(this.#boundMs);
    if (!decoded.ok) {
      const route = decoded.error.stream ? this.#routes.get(decoded.error.stream) : undefined;
      // A frame that names no stream of ours cannot be attributed: resume them all.
      if (route === undefined) this.drop();
      else route.error(decoded.error, true);
      return;
    }
    const { frame } = decoded;
    if (frame.kind === 'heartbeat') return;
    const stream = frame.kind === 'error' ? frame.error.stream : frame.stream;
    const route = stream === undefined ? undefined : this.#routes.get(stream);
    if (route === undefined) return;
    if (frame.kind === 'subscribed') route.subscribed(frame);
    else if (frame.kind === 'chunk') route.chunk(frame.chunk);
    else route.error(frame.error, false);
  }

  /** A `subscribed` or `heartbeat` frame tells the interval; a `subscribed` without one, that none will come. */
  #told(frame: ServerFrame): void {
    if (frame.kind !== 'subscribed' && frame.kind !== 'heartbeat') return;
    if (frame.heartbeatMs !== undefined) this.#boundMs = livenessBoundMs(frame.heartbeatMs);
    else if (frame.kind === 'subscribed') this.#boundMs = undefined;
  }

  #shutdown(code: number, reason = ''): void {
    if (this.#state === 'closed') return;
    const opened = this.#state === 'open';
    this.#state = 'closed';
    this.#clearTimer();
    this.#liveness.stop();
    this.#pending = [];
    this.#onGone(this);
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    for (const route of routes) route.closed(code, opened, reason);
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
