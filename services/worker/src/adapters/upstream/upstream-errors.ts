/**
 * The failures of a vendor's upstream (OpenAI- or Anthropic-compatible), as `AdapterError`s
 * with clear messages.
 *
 * A message becomes the stream's `error` item, readable by anyone with the stream's id for its
 * whole retention: it says what failed in Spool's words only (a status, a system error code).
 * What the upstream said — its error text, its host, its content type — goes to `detail`, which
 * only the worker's logs see (issue 13: an upstream's error once stored a partly masked key, an
 * org id and an internal host in a stream).
 *
 * `retryable` (which only matters before the first item) is true for what a second attempt
 * may not meet again: 429 and 5xx answers, an unreachable upstream, a timeout, a connection
 * that broke. It is false for other 4xx answers and for malformed data, which would recur.
 */
import { AdapterError } from '../model-adapter.ts';

const MESSAGE_LIMIT = 300;

/**
 * `body` is the answer's text: `{ error: { message } }` (OpenAI's and Anthropic's) is unwrapped
 * when present.
 */
export function httpStatusError(status: number, body: string): AdapterError {
  const retryable = status === 429 || status >= 500;
  return new AdapterError('upstream_error', `the upstream answered HTTP ${status}`, {
    retryable,
    detail: upstreamMessage(body),
  });
}

export function unreachableError(url: string, cause: unknown): AdapterError {
  return new AdapterError('upstream_error', `could not reach the upstream${codeOf(cause)}`, {
    retryable: true,
    cause,
    detail: `${originOf(url)}: ${describeError(cause)}`,
  });
}

export function responseTimeoutError(timeoutMs: number): AdapterError {
  const message = `the upstream sent no response within ${timeoutMs} ms`;
  return new AdapterError('upstream_timeout', message, { retryable: true });
}

export function byteTimeoutError(timeoutMs: number): AdapterError {
  const message = `the upstream sent no byte for ${timeoutMs} ms`;
  return new AdapterError('upstream_timeout', message, { retryable: true });
}

export function brokenStreamError(cause: unknown): AdapterError {
  return new AdapterError(
    'upstream_error',
    `the upstream connection broke mid-stream${codeOf(cause)}`,
    {
      retryable: true,
      cause,
      detail: describeError(cause),
    },
  );
}

/** `missing`: what a complete stream ends with, e.g. `[DONE] or a finish_reason`. */
export function cutStreamError(missing: string): AdapterError {
  const message = `the upstream stream ended without ${missing}`;
  return new AdapterError('upstream_error', message, { retryable: true });
}

export function notAStreamError(contentType: string): AdapterError {
  return new AdapterError('upstream_error', 'the upstream did not answer with an event stream', {
    detail: `content type ${contentType.slice(0, 100)}`,
  });
}

/**
 * ` (ECONNREFUSED)`: the system error code of a network failure (undici keeps it in `cause`),
 * which names what happened and nothing of where; '' when there is none.
 */
function codeOf(error: unknown): string {
  const holder = error instanceof Error ? (error.cause ?? error) : undefined;
  const code = (holder as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : '';
}

/** An error's message with its cause's code or message: undici hides the reason in `cause`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const reason = cause?.code ?? cause?.message;
  return typeof reason === 'string' && reason !== ''
    ? `${error.message} (${reason})`
    : error.message;
}

function upstreamMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      message?: unknown;
    };
    const error = parsed.error;
    const message = typeof error === 'string' ? error : (error?.message ?? parsed.message);
    if (typeof message === 'string') text = message;
  } catch {
    // Not JSON: the text itself is the best message there is.
  }
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
}

/** Only the origin goes into messages: a URL may carry credentials or a long path. */
function originOf(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : 'an invalid URL';
}
