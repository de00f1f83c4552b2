/**
 * A stream's delivery over the client's shared WebSocket to one gateway (SPEC section 5).
 *
 * Flow control is the gateway's window: the link subscribes with `window` (the room left in the
 * stream's buffer) and acknowledges only what the application consumed, in batches (a quarter
 * of the window, or whenever the buffer empties), so the gateway never has more than the window
 * in flight and a slow application slows the gateway, not memory. On a subscription the acks
 * are durable.
 */
import type { Chunking, ProtocolError, SubscribedFrame } from '@spool/protocol';
import { CLOSE_SILENT, closeError, spoolError, violationError } from './errors.ts';
import { type Link, type LinkOutcome, type LinkSink, settleOnce } from './link.ts';
import type { WsRoute, WsSocket } from './ws-socket.ts';

export interface WsLinkInput {
  socket: WsSocket;
  gateway: string;
  stream: string;
  /** Resume at this offset (holding the items below it of `epoch`), or through this subscription. */
  start: { from: number; epoch?: string | undefined } | { subscription: string };
  window: number;
  chunking: Chunking | undefined;
  /** The subscribe frame's `token` (a read token or API key), when there is one. */
  token?: string | undefined;
  sink: LinkSink;
}

export class WsLink implements Link {
  readonly transport = 'ws' as const;
  readonly gateway: string;
  readonly outcome: Promise<LinkOutcome>;
  readonly #settle: (outcome: LinkOutcome) => boolean;
  readonly #input: WsLinkInput;
  readonly #route: WsRoute;
  /** The gateway answered `subscribed`: frames of this subscription follow. */
  #subscribed = false;
  #complete = false;
  #gone = false;
  #lastAck = 0;

  constructor(input: WsLinkInput) {
    this.#input = input;
    this.gateway = input.gateway;
    const { promise, settle } = settleOnce<LinkOutcome>();
    this.outcome = promise;
    this.#settle = settle;
    this.#route = {
      subscribed: (frame) => this.#onSubscribed(frame),
      chunk: (chunk) => {
        // Until `subscribed`, frames are leftovers of an earlier subscription of this stream.
        if (!this.#subscribed || this.#complete || this.#gone) return;
        this.#reception(this.#input.sink.received(chunk, false));
      },
      error: (error, undecodable) => this.#onError(error, undecodable),
      closed: (code, opened, reason) => this.#onClosed(code, opened, reason),
    };
    input.socket.attach(input.stream, this.#route);
    input.socket.send({
      type: 'subscribe',
      stream: input.stream,
      ...('from' in input.start
        ? {
            from: input.start.from,
            ...(input.start.epoch === undefined ? {} : { epoch: input.start.epoch }),
          }
        : { subscription: input.start.subscription }),
      window: input.window,
      ...(input.chunking === undefined ? {} : { chunking: input.chunking }),
      ...(input.token === undefined ? {} : { token: input.token }),
    });
  }

  consumed(offset: number, empty: boolean): boolean {
    if (this.#gone || !this.#subscribed) return false;
    if (offset <= this.#lastAck) return true;
    // After `end` only a subscription still cares: its acks are durable.
    if (this.#complete && !('subscription' in this.#input.start)) return true;
    if (offset - this.#lastAck < this.#input.window / 4 && !empty) return true;
    this.#lastAck = offset;
    this.#input.socket.send({ type: 'ack', stream: this.#input.stream, offset });
    return true;
  }

  drop(): void {
    this.#input.socket.drop();
  }

  dispose(): void {
    if (this.#gone) return;
    this.#gone = true;
    const { socket, stream } = this.#input;
    socket.detach(stream, this.#route);
    if (!this.#complete) socket.send({ type: 'unsubscribe', stream });
    this.#settle({ kind: 'closed' });
  }

  #onSubscribed(frame: SubscribedFrame): void {
    if (this.#subscribed || this.#gone) return;
    this.#subscribed = true;
    this.#lastAck = frame.from;
    const reception = this.#input.sink.started(frame.from, frame.epoch || undefined);
    if (reception === 'violation') {
      this.#reception(reception);
    } else if (frame.complete) {
      this.#complete = true;
      this.#settle({ kind: 'complete' });
    }
  }

  #reception(reception: 'ok' | 'end' | 'violation'): void {
    if (reception === 'end') {
      this.#complete = true;
      this.#settle({ kind: 'complete' });
    } else if (reception === 'violation') {
      const error = violationError('The gateway broke offset order; resuming.');
      this.#settle({ kind: 'retry', error, moveOn: false });
    }
  }

  #onError(error: ProtocolError, undecodable: boolean): void {
    // A late answer to an ack sent while the gateway was ending this delivery: harmless.
    if (error.code === 'not_subscribed' || this.#complete) return;
    const spool = spoolError(error.code, error.message, { stream: this.#input.stream });
    if (spool.code === 'stream_reset') {
      this.#settle({ kind: 'reset', error: spool });
    } else if (undecodable || spool.retryable || spool.code === 'already_subscribed') {
      this.#settle({ kind: 'retry', error: spool, moveOn: spool.code === 'draining' });
    } else {
      this.#settle({ kind: 'fatal', error: spool });
    }
  }

  #onClosed(code: number, opened: boolean, reason: string): void {
    this.#gone = true;
    if (this.#complete) return;
    const error = closeError(code, opened, reason);
    if (!error.retryable) {
      this.#settle({ kind: 'fatal', error });
      return;
    }
    const moveOn = code === 1012 || code === CLOSE_SILENT || !opened;
    this.#settle({ kind: 'retry', error, moveOn, notOpened: !opened });
  }
}
