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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { completionBody } from './completion-body.ts';
import { CompletionChunkWriter } from './completion-chunk-writer.ts';
import {
  checkedScript,
  checkedSteps,
  type FakeCloseReason,
  type FakeOpenAIRequest,
  type FakeOpenAIScript,
  type FakeOpenAIStep,
  type RequestedAnswer,
  requestedAnswer,
} from './fake-openai-script.ts';

export type {
  FakeCloseReason,
  FakeOpenAIRequest,
  FakeOpenAIScript,
  FakeOpenAIStep,
  FakeToolCallDelta,
  FakeUsage,
} from './fake-openai-script.ts';

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
  const answer = requestedAnswer(recorded.body);
  if (first !== undefined && 'status' in first) {
    sendStatus(response, first);
  } else if (answer.stream) {
    await streamSteps(response, answer, steps);
  } else {
    await answerWhole(response, answer, steps);
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
  answer: RequestedAnswer,
  steps: readonly FakeOpenAIStep[],
): Promise<void> {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
  });
  response.flushHeaders();
  const writer = new CompletionChunkWriter(response, answer);
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
  answer: RequestedAnswer,
  steps: readonly FakeOpenAIStep[],
): Promise<void> {
  for (const step of steps) {
    if (response.destroyed) return;
    if ('sleep' in step) await waitOrClose(response, step.sleep);
    else if ('hang' in step) return;
    else if ('cut' in step) return cut(response);
    else if ('malformed' in step) return void response.end(step.malformed);
  }
  if (!response.destroyed) sendJson(response, 200, completionBody(answer.model, steps));
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
