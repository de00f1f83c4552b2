/**
 * The `anthropic` model adapter: any Anthropic Messages API upstream (Anthropic's API, or a
 * gateway that speaks it) through `POST {baseUrl}/v1/messages` with `stream: true`.
 *
 * This file owns the request's lifecycle, as the openai adapter does: `messages-body.ts` builds
 * the body, `event-mapper.ts` turns events into items, `../upstream/` opens the stream and
 * reads it under the byte timeout. On every exit the upstream request is aborted and the body
 * released. Failures have the same codes as the openai adapter's: HTTP errors, a broken or cut
 * stream and an `error` event are `upstream_error`, silence `upstream_timeout`.
 */
import type { NewItem } from '@spool/protocol';
import {
  AdapterError,
  type GenerateOptions,
  type GenerationRequest,
  type ModelAdapter,
} from '../model-adapter.ts';
import { openEventStream } from '../upstream/open-stream.ts';
import { sseData } from '../upstream/sse-body.ts';
import { cutStreamError } from '../upstream/upstream-errors.ts';
import { AnthropicEventMapper } from './event-mapper.ts';
import { messagesBody } from './messages-body.ts';

/** The Messages API version the adapter speaks (its `anthropic-version` header). */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface AnthropicAdapterOptions {
  /** The API's origin (and path prefix, if any) without `/v1`, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  /** Sent as `x-api-key` when given. */
  apiKey?: string | undefined;
  /** The model when the request names none. */
  model?: string | undefined;
  /** `max_tokens` when the request has none (the Messages API requires it). */
  defaultMaxTokens: number;
  /** No byte of the body for this long → `AdapterError('upstream_timeout')`. */
  byteTimeoutMs: number;
  /** How long to wait for the response to be usable; defaults to `byteTimeoutMs`. */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
}

export function createAnthropicAdapter(options: AnthropicAdapterOptions): ModelAdapter {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  return {
    name: 'anthropic',
    // An upstream samples afresh: it cannot reproduce a prefix item for item.
    canContinue: () => false,
    generate: (request, generateOptions) => generate(url, options, request, generateOptions),
  };
}

async function* generate(
  url: string,
  options: AnthropicAdapterOptions,
  request: GenerationRequest,
  { signal, prefix }: GenerateOptions,
): AsyncGenerator<NewItem, void, undefined> {
  if (prefix.length > 0) {
    throw new AdapterError(
      'continuation_mismatch',
      'the anthropic adapter cannot continue a prefix',
    );
  }
  const release = new AbortController();
  try {
    const post = {
      url,
      headers: headersFor(options),
      body: messagesBody(request, {
        model: options.model,
        defaultMaxTokens: options.defaultMaxTokens,
      }),
      timeoutMs: options.connectTimeoutMs ?? options.byteTimeoutMs,
      fetch: options.fetch,
    };
    const body = await openEventStream(post, AbortSignal.any([signal, release.signal]));
    const mapper = new AnthropicEventMapper();
    for await (const data of sseData(body, { byteTimeoutMs: options.byteTimeoutMs, signal })) {
      yield* mapper.push(data);
      if (mapper.stopped) return;
    }
    throw cutStreamError('message_stop');
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    release.abort();
  }
}

function headersFor(options: AnthropicAdapterOptions): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  return headers;
}
