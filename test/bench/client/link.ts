/** One transport connection of a reader: a WebSocket subscription or an SSE response. */
export interface LinkHandlers {
  tokens(from: number, to: number, text: string): void;
  control(type: string, fields: Record<string, unknown>): void;
  /** An error that is no stream item (`slow_consumer`, `draining`, …); the link ends after it. */
  protocolError(code: string, message: string): void;
  /** The link is gone, for whatever reason; called once. */
  closed(detail: string): void;
}

export interface Link {
  /**
   * WebSocket and SSE through a subscription: acknowledges everything below `offset`. Plain SSE:
   * nothing (the socket is the ack).
   */
  ack(offset: number): void;
  /** Stops reading from the socket; `resume` reads again. */
  pause(): void;
  resume(): void;
  /** Closes gracefully (after `end`). */
  close(): void;
  /** Drops the connection abruptly, as a lost network would. */
  abort(): void;
  /** Bytes received on the wire so far (headers, framing and payload). */
  bytes(): number;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}
