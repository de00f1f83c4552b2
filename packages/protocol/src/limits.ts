/**
 * The limits of the wire contract: what a gateway refuses beyond, and what a client may ask
 * for. One copy, used by the gateway to validate and by the SDK to stay inside them.
 * Constants only, no zod: the SDK imports them. `docs/protocol.md` (sections 3 and 5) states
 * each one.
 */

/** The most items a connection may have sent but not acknowledged (`window`, 1..65536). */
export const MAX_WINDOW = 65_536;

/**
 * The most items a client may ask one message to carry (`chunking.maxItems`, `?chunk_items=`),
 * also the ceiling of the gateway's own `SPOOL_MAX_CHUNK_ITEMS`.
 */
export const MAX_CHUNK_ITEMS = 4_096;

/** The longest a client may ask the gateway to hold a message to fill it (`maxDelayMs`, `?chunk_delay_ms=`). */
export const MAX_CHUNK_DELAY_MS = 10_000;

/** Items per page of `GET /v1/streams/:id/items` when `?limit=` is absent. */
export const DEFAULT_ITEMS_LIMIT = 100;

/** The largest `?limit=` of `GET /v1/streams/:id/items`. */
export const MAX_ITEMS_LIMIT = 1_000;

/** The most items one WebSocket `resend` may ask for (`to - from`; a block resend stops there). */
export const MAX_RESEND_ITEMS = 10_000;

/**
 * The most items one block read (`?block=` or a block `resend`) examines. Past it the answer
 * stops short (`done: false`, `next` where the scan stopped), so one request costs a bounded
 * amount of work however long the stream is; the client continues from `next`.
 */
export const MAX_BLOCK_SCAN_ITEMS = 100_000;

/** The longest `Idempotency-Key` header a create accepts. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** What an `Idempotency-Key` may be: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = new RegExp(
  `^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`,
);

/** Longest credential (API key or read token) a request or frame may carry. */
export const MAX_CREDENTIAL_LENGTH = 1_024;

/** The response header that carries a created stream's read token (docs/security.md). */
export const READ_TOKEN_HEADER = 'X-Spool-Read-Token';
