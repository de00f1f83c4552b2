/**
 * What the fake OpenAI upstream answers, as data: a script of steps per request, the request
 * as the fake recorded it, and the few request fields that shape the answer.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface FakeToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One thing the fake does, in script order. */
export type FakeOpenAIStep =
  /** A `delta.content` chunk. */
  | { content: string }
  /** A `delta.reasoning_content` chunk. */
  | { reasoning: string }
  /** A `delta.tool_calls` chunk; `id`, `type` and `name` are only sent when given. */
  | { toolCall: FakeToolCallDelta }
  /** A chunk with an empty delta and this `finish_reason`. */
  | { finish: string }
  /** A final chunk with `choices: []` and this `usage` (as with `include_usage`). */
  | { usage: FakeUsage }
  | { sleep: number }
  /** An SSE comment line, `: keepalive`. */
  | { keepalive: true }
  /** Answer this HTTP status (and body: JSON if an object) instead of a stream. First step only. */
  | { status: number; body?: unknown }
  /** A `data:` line whose payload is this text, verbatim (not JSON). */
  | { malformed: string }
  /** Destroy the socket now, without `[DONE]` or the chunked terminator. */
  | { cut: true }
  /** `data: [DONE]`; sent automatically at the end unless the script cut or hung. */
  | { done: true }
  /** Send nothing more; keep the socket open until the client goes away or the fake stops. */
  | { hang: true };

/** The steps that become a `chat.completion.chunk` (or an SSE line) when streaming. */
export type ChunkStep = Exclude<
  FakeOpenAIStep,
  { sleep: number } | { hang: true } | { cut: true } | { done: true } | { status: number }
>;

/** How a response ended: written to its end, closed by the client, cut by a step, or by stop(). */
export type FakeCloseReason = 'completed' | 'client' | 'cut' | 'stopped';

export interface FakeOpenAIRequest {
  /** 0-based, in arrival order. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
  /** Resolves once the response is over, with why. */
  readonly closed: Promise<FakeCloseReason>;
  /** True once the client went away before the response was written to its end. */
  readonly closedByClient: boolean;
}

export type FakeOpenAIScript =
  | readonly FakeOpenAIStep[]
  | ((request: FakeOpenAIRequest) => readonly FakeOpenAIStep[]);

export function checkedScript(script: FakeOpenAIScript): FakeOpenAIScript {
  return typeof script === 'function' ? script : checkedSteps(script);
}

/** A status step only makes sense first: once streaming, the status line is gone. */
export function checkedSteps(steps: readonly FakeOpenAIStep[]): readonly FakeOpenAIStep[] {
  const late = steps.findIndex((step, index) => index > 0 && 'status' in step);
  if (late !== -1) throw new Error(`a status step must be the first step, found at ${late}`);
  return steps;
}

/** What the answer takes from the request body; anything missing or odd falls back. */
export interface RequestedAnswer {
  /** `stream: true`. */
  stream: boolean;
  /** `model`, echoed back; `fake-model` when absent. */
  model: string;
  /** `stream_options.include_usage: true`: every chunk carries `usage: null`. */
  includeUsage: boolean;
}

export function requestedAnswer(body: unknown): RequestedAnswer {
  const streamOptions = isRecord(body) ? body.stream_options : undefined;
  return {
    stream: isRecord(body) && body.stream === true,
    model: isRecord(body) && typeof body.model === 'string' ? body.model : 'fake-model',
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
