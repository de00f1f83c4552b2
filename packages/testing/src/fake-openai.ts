/**
 * A fake OpenAI-compatible upstream for tests: a real HTTP server on 127.0.0.1 that answers
 * `POST /v1/chat/completions` from a per-test script of steps, so adapters are tested over
 * real sockets (undici, chunked SSE, aborts) instead of a mocked `fetch`.
 *
 * Streaming requests (`stream: true`) get `text/event-stream` with one `data: {chunk}` event
 * per step and `data: [DONE]` at the end; the others get one `chat.completion` JSON body built
 * from the same steps. Every request is recorded with its headers, its parsed body and how
 * its response ended, so a test can assert what the client sent and whether it went away.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

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

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>/v1`: what an OpenAI client takes as its base URL. */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: readonly FakeOpenAIRequest[];
  /** How many responses the client closed before their end. */
  readonly aborted: number;
  /** Sets the script for every following request (a function may vary it per request). */
  script(script: FakeOpenAIScript): void;
  /** Closes the server and every open socket (hanging responses included). */
  stop(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** The initial script; default: `Hello` then `finish: 'stop'`. */
  script?: FakeOpenAIScript;
}

const DEFAULT_SCRIPT: readonly FakeOpenAIStep[] = [{ content: 'Hello' }, { finish: 'stop' }];

/** Starts the fake on a free loopback port. Always `stop()` it (e.g. in `afterEach`). */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let current: FakeOpenAIScript = checkedScript(options.script ?? DEFAULT_SCRIPT);
  const requests: RecordedRequest[] = [];
  let stopping = false;
  const server = createServer((request, response) => {
    handle({ request, response, requests, script: current, stopping: () => stopping }).catch(() =>
      response.destroy(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get aborted() {
      return requests.filter((request) => request.closedByClient).length;
    },
    script(script) {
      current = checkedScript(script);
    },
    async stop() {
      stopping = true;
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

interface RecordedRequest extends FakeOpenAIRequest {
  closedByClient: boolean;
}

interface HandleContext {
  request: IncomingMessage;
  response: ServerResponse;
  requests: RecordedRequest[];
  script: FakeOpenAIScript;
  stopping: () => boolean;
}

async function handle(context: HandleContext): Promise<void> {
  const { request, response } = context;
  const text = await readBody(request);
  const recorded = record(context, parseJson(text));
  if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/chat/completions') {
    sendJson(response, 404, errorBody(`No route ${request.method} ${request.url}`));
    return;
  }
  let steps: readonly FakeOpenAIStep[];
  try {
    steps = checkedSteps(
      typeof context.script === 'function' ? context.script(recorded) : context.script,
    );
  } catch (error) {
    sendJson(response, 500, errorBody(`fake script error: ${(error as Error).message}`));
    return;
  }
  const first = steps[0];
  if (first !== undefined && 'status' in first) {
    sendStatus(response, first);
  } else if (isRecord(recorded.body) && recorded.body.stream === true) {
    await streamSteps(response, recorded.body, steps);
  } else {
    await answerWhole(response, recorded.body, steps);
  }
}

/** Records the request and watches how its response ends. */
function record(context: HandleContext, body: unknown): RecordedRequest {
  const { request, response } = context;
  let resolveClosed: (reason: FakeCloseReason) => void = () => {};
  const recorded: RecordedRequest = {
    index: context.requests.length,
    method: request.method ?? '',
    path: request.url ?? '',
    headers: request.headers,
    body,
    closed: new Promise((resolve) => {
      resolveClosed = resolve;
    }),
    closedByClient: false,
  };
  context.requests.push(recorded);
  response.on('close', () => {
    if (response.writableFinished) return resolveClosed('completed');
    if (context.stopping()) return resolveClosed('stopped');
    if (cutResponses.has(response)) return resolveClosed('cut');
    recorded.closedByClient = true;
    resolveClosed('client');
  });
  return recorded;
}

const cutResponses = new WeakSet<ServerResponse>();

async function streamSteps(
  response: ServerResponse,
  body: Record<string, unknown>,
  steps: readonly FakeOpenAIStep[],
): Promise<void> {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
  });
  response.flushHeaders();
  const writer = new SseWriter(response, body);
  for (const step of steps) {
    if (response.destroyed) return;
    if ('sleep' in step) await waitOrClose(response, step.sleep);
    else if ('hang' in step) return;
    else if ('cut' in step) return cut(response);
    else if ('done' in step) return void response.end('data: [DONE]\n\n');
    else if (!('status' in step)) writer.write(step);
  }
  if (!response.destroyed) response.end('data: [DONE]\n\n');
}

async function answerWhole(
  response: ServerResponse,
  body: unknown,
  steps: readonly FakeOpenAIStep[],
): Promise<void> {
  for (const step of steps) {
    if (response.destroyed) return;
    if ('sleep' in step) await waitOrClose(response, step.sleep);
    else if ('hang' in step) return;
    else if ('cut' in step) return cut(response);
    else if ('malformed' in step) return void response.end(step.malformed);
  }
  if (!response.destroyed) sendJson(response, 200, completionBody(body, steps));
}

function cut(response: ServerResponse): void {
  cutResponses.add(response);
  response.socket?.destroy();
  response.destroy();
}

function sendStatus(response: ServerResponse, step: { status: number; body?: unknown }): void {
  if (typeof step.body === 'string') {
    response.writeHead(step.status, { 'Content-Type': 'text/plain' });
    response.end(step.body);
    return;
  }
  sendJson(response, step.status, step.body ?? errorBody(`fake upstream error ${step.status}`));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function errorBody(message: string): unknown {
  return { error: { message, type: 'fake_error', param: null, code: null } };
}

/** Resolves after `ms`, or as soon as the response closes (no timer outlives the socket). */
function waitOrClose(response: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    response.on('close', done);
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkedScript(script: FakeOpenAIScript): FakeOpenAIScript {
  return typeof script === 'function' ? script : checkedSteps(script);
}

/** A status step only makes sense first: once streaming, the status line is gone. */
function checkedSteps(steps: readonly FakeOpenAIStep[]): readonly FakeOpenAIStep[] {
  const late = steps.findIndex((step, index) => index > 0 && 'status' in step);
  if (late !== -1) throw new Error(`a status step must be the first step, found at ${late}`);
  return steps;
}

type ChunkStep = Exclude<
  FakeOpenAIStep,
  { sleep: number } | { hang: true } | { cut: true } | { done: true } | { status: number }
>;

/** Writes steps as `chat.completion.chunk` events shaped like OpenAI's. */
class SseWriter {
  private readonly id = `chatcmpl-fake${Math.random().toString(36).slice(2, 12)}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly model: string;
  private readonly includeUsage: boolean;
  private roleSent = false;

  private readonly response: ServerResponse;

  constructor(response: ServerResponse, body: Record<string, unknown>) {
    this.response = response;
    this.model = typeof body.model === 'string' ? body.model : 'fake-model';
    const streamOptions = body.stream_options;
    this.includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
  }

  write(step: ChunkStep): void {
    if ('keepalive' in step) this.response.write(': keepalive\n\n');
    else if ('malformed' in step) this.response.write(`data: ${step.malformed}\n\n`);
    else if ('usage' in step) this.send({ ...this.envelope(), choices: [], usage: step.usage });
    else if ('finish' in step) this.send(this.chunk({}, step.finish));
    else this.send(this.chunk(this.delta(step), null));
  }

  private delta(
    step: { content: string } | { reasoning: string } | { toolCall: FakeToolCallDelta },
  ) {
    const role = this.roleSent ? {} : { role: 'assistant' };
    this.roleSent = true;
    if ('content' in step) return { ...role, content: step.content };
    if ('reasoning' in step) return { ...role, reasoning_content: step.reasoning };
    return { ...role, tool_calls: [toolCallDelta(step.toolCall)] };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null) {
    const usage = this.includeUsage ? { usage: null } : {};
    const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return { ...this.envelope(), choices: [choice], ...usage };
  }

  private envelope() {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
    };
  }

  private send(chunk: unknown): void {
    this.response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}

/** As OpenAI sends it: `id`, `type` and `name` on a call's first delta, then arguments only. */
function toolCallDelta(call: FakeToolCallDelta): Record<string, unknown> {
  const head = call.id === undefined ? {} : { id: call.id, type: 'function' };
  const name = call.name === undefined ? {} : { name: call.name };
  return { index: call.index, ...head, function: { ...name, arguments: call.arguments ?? '' } };
}

/** The non-streaming answer: the steps folded into one `chat.completion`. */
function completionBody(body: unknown, steps: readonly FakeOpenAIStep[]): unknown {
  let content = '';
  let reasoning = '';
  let finishReason: string | null = null;
  let usage: FakeUsage | undefined;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const step of steps) {
    if ('content' in step) content += step.content;
    else if ('reasoning' in step) reasoning += step.reasoning;
    else if ('finish' in step) finishReason = step.finish;
    else if ('usage' in step) usage = step.usage;
    else if ('toolCall' in step) foldToolCall(calls, step.toolCall);
  }
  const toolCalls = [...calls.values()].map(({ id, name, arguments: args }) => ({
    id,
    type: 'function',
    function: { name, arguments: args },
  }));
  const message = {
    role: 'assistant',
    content: content === '' && toolCalls.length > 0 ? null : content,
    ...(reasoning === '' ? {} : { reasoning_content: reasoning }),
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
  };
  const model = isRecord(body) && typeof body.model === 'string' ? body.model : 'fake-model';
  return {
    id: `chatcmpl-fake${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason ?? 'stop' }],
    ...(usage === undefined ? {} : { usage }),
  };
}

function foldToolCall(
  calls: Map<number, { id: string; name: string; arguments: string }>,
  delta: FakeToolCallDelta,
): void {
  const call = calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
  calls.set(delta.index, {
    id: delta.id ?? call.id,
    name: delta.name ?? call.name,
    arguments: call.arguments + (delta.arguments ?? ''),
  });
}
