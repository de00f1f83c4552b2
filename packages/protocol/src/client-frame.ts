/**
 * Client → server WebSocket frames (SPEC section 5), which also hold the subscription options
 * of SPEC section 6 (`window`, `chunking`); their limits are in `limits.ts`. Types only, no
 * zod: the SDK imports them. The schemas that validate these frames at the gateway are in
 * `client-frame-schemas.ts`.
 */

/**
 * How a subscriber wants tokens coalesced: `token` = one token per message, `adaptive` =
 * the gateway's default (larger chunks only for a client that falls behind), or explicit
 * limits: at most `maxItems` items per chunk, held back at most `maxDelayMs` to fill one.
 */
export type Chunking = 'token' | 'adaptive' | { maxItems: number; maxDelayMs: number };

/** Options of a subscription; omitted ones take the gateway's defaults. */
export interface SubscribeOptions {
  /** The most items sent but not yet acknowledged, 1..65536. */
  window?: number;
  chunking?: Chunking;
  /**
   * The stream's read token (the create answer's `read_token`), or an API key that created it:
   * needed when the gateway has access control on (docs/security.md).
   */
  token?: string;
}

/** Start delivery at an offset. */
export interface SubscribeFromFrame extends SubscribeOptions {
  type: 'subscribe';
  stream: string;
  from: number;
  /** The epoch of the items the client holds below `from` (its `subscribed` frame's); see epoch.ts. */
  epoch?: string;
  subscription?: undefined;
}

/** Start delivery where a durable subscription left off. */
export interface SubscribeSubscriptionFrame extends SubscribeOptions {
  type: 'subscribe';
  stream: string;
  subscription: string;
  from?: undefined;
  epoch?: undefined;
}

export type SubscribeFrame = SubscribeFromFrame | SubscribeSubscriptionFrame;

/** Everything below `offset` is processed: reopens the window, acknowledges durably. */
export interface AckFrame {
  type: 'ack';
  stream: string;
  offset: number;
}

/** Send the items `[from, to)` again. */
export interface ResendRangeFrame {
  type: 'resend';
  stream: string;
  from: number;
  to: number;
  block?: undefined;
}

/** Send the whole block again. */
export interface ResendBlockFrame {
  type: 'resend';
  stream: string;
  block: number;
  from?: undefined;
  to?: undefined;
}

export type ResendFrame = ResendRangeFrame | ResendBlockFrame;

export interface UnsubscribeFrame {
  type: 'unsubscribe';
  stream: string;
}

export interface CancelFrame {
  type: 'cancel';
  stream: string;
}

export type ClientFrame = SubscribeFrame | AckFrame | ResendFrame | UnsubscribeFrame | CancelFrame;
