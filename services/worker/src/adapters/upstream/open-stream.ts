/**
 * Opens an upstream model's event stream: one `POST` whose answer must be `text/event-stream`.
 * One timeout bounds the response: its headers, then (for an error answer) its body. Shared by
 * the adapters that speak HTTP + SSE to a vendor (openai, anthropic); what they send and how
 * they read the events is theirs.
 */
import { withTimeout } from '@spool/runtime';
import { AdapterError } from '../model-adapter.ts';
import {
  httpStatusError,
  notAStreamError,
  responseTimeoutError,
  unreachableError,
} from './upstream-errors.ts';

export interface UpstreamPost {
  url: string;
  headers: Record<string, string>;
  body: object;
  /** How long to wait for the answer to be usable (headers, and an error's body). */
  timeoutMs: number;
  fetch?: typeof fetch | undefined;
}

/** The event-stream body, or the AdapterError the answer amounts to. */
export async function openEventStream(
  post: UpstreamPost,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const { timeoutMs } = post;
  const deadline = Date.now() + timeoutMs;
  const fetchUpstream = post.fetch ?? fetch;
  let response: Response;
  try {
    response = await withTimeout(
      (timedOut) =>
        fetchUpstream(post.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'text/event-stream',
            ...post.headers,
          },
          body: JSON.stringify(post.body),
          // `signal` keeps governing the body after the headers: aborting it releases the body.
          signal: AbortSignal.any([signal, timedOut]),
        }),
      { timeoutMs, onTimeout: () => responseTimeoutError(timeoutMs) },
    );
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw unreachableError(post.url, error);
  }
  return streamOf(response, deadline);
}

async function streamOf(response: Response, deadline: number): Promise<ReadableStream<Uint8Array>> {
  if (!response.ok) {
    // What is left of the timeout bounds reading the error's body; a stalled one leaves just
    // the status. The body is released when the generation's signal aborts on the way out.
    const text = await withTimeout(response.text(), {
      timeoutMs: deadline - Date.now(),
      onTimeout: () => new Error('the error body did not arrive in time'),
    }).catch(() => '');
    throw httpStatusError(response.status, text);
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (response.body === null || contentType.startsWith('application/json')) {
    await response.body?.cancel();
    throw notAStreamError(contentType || 'no body');
  }
  return response.body;
}
