/**
 * Liveness: how a gateway tells a client how often it shows a sign of life, and how long the
 * client waits for one before it treats the connection as dead (silent: a half-open TCP
 * connection, a proxy that stopped passing bytes) and resumes on a new one.
 *
 * The gateway sends something at least every `SPOOL_HEARTBEAT_MS` on every connection: items,
 * or else an SSE comment (`: hb`) or a WebSocket `heartbeat` frame. It tells the interval in the
 * `X-Spool-Heartbeat-Ms` header of an SSE response, and in the WebSocket `subscribed` and
 * `heartbeat` frames (`heartbeat_ms`). A WebSocket gets heartbeat frames when its upgrade URL asks
 * (`/v1/ws?heartbeat=true`), so clients from before them never meet a frame they do not know.
 */

/** The SSE response header naming the gateway's heartbeat interval, in milliseconds. */
export const HEARTBEAT_HEADER = 'X-Spool-Heartbeat-Ms';

/** The WebSocket upgrade query parameter asking for heartbeat frames (`?heartbeat=true`). */
export const WS_HEARTBEAT_PARAMETER = 'heartbeat';

/** The shortest and longest heartbeat intervals a gateway may tell (`SPOOL_HEARTBEAT_MS`). */
export const MIN_HEARTBEAT_MS = 100;
export const MAX_HEARTBEAT_MS = 3_600_000;

/**
 * What a client adds to twice the interval before it gives up on a connection: timers fire late
 * on a busy event loop or a paused tab, and a heartbeat may wait behind a full send buffer.
 */
export const LIVENESS_MARGIN_MS = 1_000;

/**
 * How long a client waits for any byte before it drops the connection: twice the told interval
 * (one heartbeat may be late by up to half an interval at the gateway, whose check runs every
 * half interval) plus `LIVENESS_MARGIN_MS`.
 */
export function livenessBoundMs(heartbeatMs: number): number {
  return 2 * heartbeatMs + LIVENESS_MARGIN_MS;
}

/**
 * A told interval, from a header or a frame field: an integer within the bounds, else undefined
 * (a gateway from before heartbeats were told, or a value the client must not trust).
 */
export function parseHeartbeatMs(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^[0-9]{1,8}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) return undefined;
  return number >= MIN_HEARTBEAT_MS && number <= MAX_HEARTBEAT_MS ? number : undefined;
}
