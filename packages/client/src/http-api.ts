/**
 * JSON requests to the gateways with retries: a network failure, a retryable error (5xx
 * `internal`, `draining`, `redis_unavailable`, 429 `over_capacity`, …) or a bodyless 5xx from a
 * proxy is retried with backoff and jitter, honouring `Retry-After`; a failed connection or a
 * 503 moves to the next gateway of the list. Everything else throws its SpoolError at once.
 */
import type { HttpRoute, Result, SpoolError } from '@spool/protocol';
import { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
import {
  connectionLostError,
  errorFromResponse,
  exhaustedError,
  unreachableError,
  violationError,
} from './errors.ts';
import { REQUEST_TIMEOUT_MS } from './liveness-timer.ts';
import type { ResolvedClientOptions } from './options.ts';

export interface JsonRequest {
  method: HttpRoute['method'];
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sends to this gateway (index into the list) first, instead of the preferred one. */
  gateway?: number;
  /** At most this many attempts (default: `reconnect.maxAttempts`). */
  attempts?: number;
}

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/** Checks a 2xx body against the route's answer (`decodeStreamMetadata`, …). */
export type BodyDecoder<T> = (body: unknown) => Result<T>;

/** The body as it is, for requests whose answer the caller ignores. */
const anyBody: BodyDecoder<unknown> = (body) => ({ ok: true, value: body });

export class HttpApi {
  readonly #options: ResolvedClientOptions;

  constructor(options: ResolvedClientOptions) {
    this.#options = options;
  }

  /**
   * Sends `request` until it succeeds or fails for good. With `decode`, a 2xx body that is not
   * the route's answer counts as a failure of the gateway (`protocol_violation`, retried).
   */
  json(request: JsonRequest): Promise<JsonResponse<unknown>>;
  json<T>(request: JsonRequest, decode: BodyDecoder<T>): Promise<JsonResponse<T>>;
  async json(
    request: JsonRequest,
    decode: BodyDecoder<unknown> = anyBody,
  ): Promise<JsonResponse<unknown>> {
    const { gateways, reconnect } = this.#options;
    let index = request.gateway ?? gateways.preferred;
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.#once(index, request, decode);
      if (answer.ok) {
        gateways.worked(index);
        return answer.response;
      }
      if (!answer.error.retryable) throw answer.error;
      if (attempt >= (request.attempts ?? reconnect.maxAttempts)) {
        throw exhaustedError(attempt, answer.error);
      }
      if (answer.moveOn) index = gateways.next(index);
      await sleep(answer.retryAfterMs ?? backoffDelay(attempt - 1, reconnect));
    }
  }

  async #once(
    index: number,
    request: JsonRequest,
    decode: BodyDecoder<unknown>,
  ): Promise<
    | { ok: true; response: JsonResponse<unknown> }
    | { ok: false; error: SpoolError; moveOn: boolean; retryAfterMs?: number | undefined }
  > {
    const { fetch, gateways, headers } = this.#options;
    const init: RequestInit = {
      method: request.method,
      headers: { ...headers, ...request.headers },
    };
    if (request.body !== undefined) {
      init.body = JSON.stringify(request.body);
      init.headers = { 'Content-Type': 'application/json', ...init.headers };
    }
    // A gateway that never answers (a silent connection) costs one attempt, not forever.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    init.signal = controller.signal;
    try {
      let response: Response;
      try {
        response = await fetch(`${gateways.url(index)}${request.path}`, init);
      } catch (cause) {
        return { ok: false, error: unreachableError(cause), moveOn: true };
      }
      if (response.ok) return await readJson(response, decode);
      const error = await errorFromResponse(response);
      if (controller.signal.aborted) {
        return { ok: false, error: unreachableError(new Error('no whole answer')), moveOn: true };
      }
      return {
        ok: false,
        error,
        moveOn: response.status === 503,
        retryAfterMs: retryAfterMs(response.headers.get('Retry-After')),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readJson(
  response: Response,
  decode: BodyDecoder<unknown>,
): Promise<
  { ok: true; response: JsonResponse<unknown> } | { ok: false; error: SpoolError; moveOn: boolean }
> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    return { ok: false, error: connectionLostError(cause), moveOn: false };
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch (cause) {
    const error = violationError('The gateway answered a body that is not JSON.', cause);
    return { ok: false, error, moveOn: false };
  }
  const decoded = decode(body);
  if (decoded.ok) return { ok: true, response: { status: response.status, body: decoded.value } };
  const message = `The gateway answered an unexpected body: ${decoded.error.message}`;
  return { ok: false, error: violationError(message), moveOn: false };
}
