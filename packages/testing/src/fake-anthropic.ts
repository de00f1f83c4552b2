/**
 * A fake Anthropic Messages API upstream for tests: a real HTTP server on 127.0.0.1 that
 * answers `POST /v1/messages` (`stream: true`) from a per-test script, so the anthropic adapter
 * is tested over real sockets instead of a mocked `fetch`. Each step is one content block, the
 * stop, a mid-stream `error` event, a pause, a cut connection, a hang, or (first) an HTTP error
 * answer. Every request is recorded with its headers and parsed body. The stream begins with
 * `message_start` and a `ping`, as Anthropic's does, and a thinking block ends with a
 * `signature_delta`, which carries no text.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAnthropicStep =
  | { text: string[] }
  | { thinking: string[] }
  | { tool: { id: string; name: string; json: string[] } }
  | { stop: 'end_turn' | 'max_tokens' | 'tool_use' | 'stop_sequence'; outputTokens?: number }
  | { error: { type: string; message: string } }
  | { sleep: number }
  | { cut: true }
  | { hang: true }
  | { status: number; body?: unknown };

export interface FakeAnthropicRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeAnthropic {
  /** `http://127.0.0.1:<port>`: the adapter's base URL (it adds `/v1/messages`). */
  readonly baseUrl: string;
  readonly requests: readonly FakeAnthropicRequest[];
  /** The steps of every following request. */
  script(steps: readonly FakeAnthropicStep[]): void;
  stop(): Promise<void>;
}

export async function startFakeAnthropic(
  steps: readonly FakeAnthropicStep[] = [{ text: ['Hello'] }, { stop: 'end_turn' }],
): Promise<FakeAnthropic> {
  let current = steps;
  const requests: FakeAnthropicRequest[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      requests.push({ path: request.url ?? '', headers: request.headers, body: parse(text) });
      if (request.method !== 'POST' || request.url !== '/v1/messages') {
        return sendJson(response, 404, apiError('not_found_error', `No route ${request.url}`));
      }
      answer(response, current).catch(() => response.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(next) {
      current = next;
    },
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

async function answer(response: ServerResponse, steps: readonly FakeAnthropicStep[]) {
  const first = steps[0];
  if (first !== undefined && 'status' in first) {
    return sendJson(response, first.status, first.body ?? apiError('api_error', 'scripted'));
  }
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  const send = (type: string, data: object) =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const message = { id: 'msg_fake', type: 'message', role: 'assistant', content: [] };
  send('message_start', { message: { ...message, usage: { input_tokens: 7, output_tokens: 1 } } });
  send('ping', {});
  let index = 0;
  for (const step of steps) {
    if (response.destroyed) return;
    if ('sleep' in step) await new Promise((resolve) => setTimeout(resolve, step.sleep));
    else if ('hang' in step) return;
    else if ('cut' in step) return void response.destroy();
    else if ('error' in step) send('error', { error: step.error });
    else if ('stop' in step) {
      send('message_delta', {
        delta: { stop_reason: step.stop, stop_sequence: null },
        usage: { output_tokens: step.outputTokens ?? 3 },
      });
      send('message_stop', {});
      return void response.end();
    } else if (!('status' in step)) {
      const [block, delta, pieces] = blockOf(step);
      send('content_block_start', { index, content_block: block });
      for (const piece of pieces) send('content_block_delta', { index, delta: delta(piece) });
      if ('thinking' in step) {
        send('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: 'c2ln' },
        });
      }
      send('content_block_stop', { index });
      index++;
    }
  }
  response.end();
}

type BlockStep = Extract<
  FakeAnthropicStep,
  { text: string[] } | { thinking: string[] } | { tool: object }
>;

function blockOf(step: BlockStep): [object, (piece: string) => object, string[]] {
  if ('text' in step) {
    return [{ type: 'text', text: '' }, (text) => ({ type: 'text_delta', text }), step.text];
  }
  if ('thinking' in step) {
    const block = { type: 'thinking', thinking: '', signature: '' };
    return [block, (thinking) => ({ type: 'thinking_delta', thinking }), step.thinking];
  }
  const { id, name, json } = step.tool;
  const block = { type: 'tool_use', id, name, input: {} };
  return [block, (partial_json) => ({ type: 'input_json_delta', partial_json }), json];
}

function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
