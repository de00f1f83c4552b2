/**
 * The `openai` model adapter: any OpenAI-compatible upstream (OpenAI, vLLM, Ollama, llama.cpp
 * server) through `POST {baseUrl}/chat/completions` with `stream: true`.
 *
 * This file moves bytes and owns the request's lifecycle; `sse-body.ts` turns the body into
 * events under the byte timeout, `delta-mapper.ts` turns chunks into items. On every exit —
 * end, failure, abort, or a consumer that stops iterating — the upstream request is aborted
 * and the body released, so the upstream sees the client go away.
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
import { DeltaMapper, parseChunk } from './delta-mapper.ts';

export interface OpenAIAdapterOptions {
  /** Up to and including the version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** The model when the request names none. */
  model?: string;
  /** No byte of the body for this long → `AdapterError('upstream_timeout')`. */
  byteTimeoutMs: number;
  /**
   * How long to wait for the response to be usable: connected, headers received, and an error
   * answer's body read. Defaults to `byteTimeoutMs`, since no byte arrived in that time either.
   */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Body fields the adapter sets itself; every other entry of `request.params` passes through. */
const RESERVED_PARAMS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
]);

interface Upstream {
  url: string;
  options: OpenAIAdapterOptions;
}

export function createOpenAIAdapter(options: OpenAIAdapterOptions): ModelAdapter {
  const upstream = { url: `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`, options };
  return {
    name: 'openai',
    // An upstream samples afresh: it cannot reproduce a prefix item for item.
    canContinue: () => false,
    generate: (request, generateOptions) => generate(upstream, request, generateOptions),
  };
}

async function* generate(
  upstream: Upstream,
  request: GenerationRequest,
  { signal, prefix }: GenerateOptions,
): AsyncGenerator<NewItem, void, undefined> {
  if (prefix.length > 0) {
    throw new AdapterError('continuation_mismatch', 'the openai adapter cannot continue a prefix');
  }
  const release = new AbortController();
  try {
    const { options } = upstream;
    const post = {
      url: upstream.url,
      headers: headersFor(options),
      body: bodyFor(options, request),
      timeoutMs: options.connectTimeoutMs ?? options.byteTimeoutMs,
      fetch: options.fetch,
    };
    const body = await openEventStream(post, AbortSignal.any([signal, release.signal]));
    yield* itemsOf(body, { byteTimeoutMs: upstream.options.byteTimeoutMs, signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    release.abort();
  }
}

async function* itemsOf(
  body: ReadableStream<Uint8Array>,
  options: { byteTimeoutMs: number; signal: AbortSignal },
): AsyncGenerator<NewItem, void, undefined> {
  const mapper = new DeltaMapper();
  for await (const data of sseData(body, options)) {
    if (data.trim() === '[DONE]') {
      yield* mapper.finish();
      return;
    }
    yield* mapper.push(parseChunk(data));
  }
  // Some servers omit [DONE]; a finish_reason still tells a complete answer from a cut one.
  if (mapper.finishReason === undefined) throw cutStreamError('[DONE] or a finish_reason');
  yield* mapper.finish();
}

function headersFor(options: OpenAIAdapterOptions): Record<string, string> {
  return options.apiKey === undefined ? {} : { Authorization: `Bearer ${options.apiKey}` };
}

function bodyFor(options: OpenAIAdapterOptions, request: GenerationRequest): object {
  const passthrough = Object.fromEntries(
    Object.entries(request.params).filter(([key]) => !RESERVED_PARAMS.has(key)),
  );
  return {
    ...passthrough,
    model: request.model ?? options.model,
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
  };
}
