/**
 * What a model adapter is: a source of items for one generation request.
 *
 * Contract:
 * - `generate` yields the stream's items in order: blocks (`block_start`, tokens, `block_end`),
 *   then `usage` if known, then exactly one `end`. It yields nothing after `end`.
 * - It honours `signal`: once aborted it stops waiting (timers, sockets, upstream HTTP request)
 *   and the iteration ends by throwing the signal's reason.
 * - Failures it can name (an upstream status, a malformed or cut stream, a silent upstream) are
 *   thrown as `AdapterError` with a code; the worker turns any failure into `error` + `end`.
 *   It never yields `error` items itself.
 * - `canContinue(request)` says whether `generate` can be given a `prefix`: the items an
 *   earlier attempt already appended. A continuing adapter yields only what follows the prefix,
 *   item for item what an uninterrupted run would have yielded there, and throws
 *   `AdapterError('continuation_mismatch')` when it cannot reproduce the prefix.
 */
import type { ErrorCode, Item, NewItem } from '@spool/protocol';

/** Any JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
  /** OpenAI's optional participant name. */
  name?: string;
  /** On a `tool` message: the call it answers. */
  tool_call_id?: string;
  /** On an `assistant` message: the calls it made, as the client sent them. */
  tool_calls?: JsonValue[];
}

/**
 * A request's parameters: JSON values. An adapter reads the ones it knows and must ignore the
 * others (an OpenAI client sends `tools`, `response_format`, `stop`, vendor fields, …); the
 * openai adapter passes them all to its upstream.
 */
export type GenerationParams = Record<string, JsonValue>;

export interface GenerationRequest {
  streamId: string;
  /** The model name asked for, if any (the adapter's default otherwise). */
  model?: string;
  /** The conversation; a plain `prompt` arrives as one user message. */
  messages: ChatMessage[];
  /** Sampling and adapter parameters (`seed`, `max_tokens`, `tools`, …); unknown ones pass through. */
  params: GenerationParams;
}

export interface GenerateOptions {
  signal: AbortSignal;
  /** Items already in the stream; empty for a fresh start. Only non-empty if canContinue. */
  prefix: readonly Item[];
}

export interface ModelAdapter {
  readonly name: string;
  canContinue(request: GenerationRequest): boolean;
  generate(request: GenerationRequest, options: GenerateOptions): AsyncIterable<NewItem>;
}

/** A failure the adapter can name; `retryable` only matters before the first item is yielded. */
export class AdapterError extends Error {
  readonly code: ErrorCode | 'continuation_mismatch';
  readonly retryable: boolean;
  /**
   * What the upstream said (its error text, host, content type): for the operator's logs only.
   * `message` is stored in the stream's `error` item, which every reader of the stream sees, so
   * it never carries the upstream's words (they may hold a masked key, an org id, a host).
   */
  readonly detail: string | undefined;

  constructor(
    code: ErrorCode | 'continuation_mismatch',
    message: string,
    options?: { retryable?: boolean; cause?: unknown; detail?: string },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'AdapterError';
    this.code = code;
    this.retryable = options?.retryable ?? false;
    this.detail = options?.detail;
  }
}
