/**
 * The AI SDK chat routes on a gateway in this process, over a real Redis, driven by the SDK's own
 * `DefaultChatTransport` and `readUIMessageStream` (ai 7) as the oracle. No worker runs: tests
 * append the stream's items through the token log themselves, as a generation would.
 */

import { WorkflowChatTransport } from '@ai-sdk/workflow/client';
import type { NewItem } from '@spool/protocol';
import { uiMessageId } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support.ts';

const redis = redisPerFile();
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis());
});
afterAll(async () => {
  await gateway.drain();
});

const tokens = (block: number, ...pieces: string[]): NewItem[] =>
  pieces.map((text) => ({ type: 'token' as const, block, text }));

const answerItems: NewItem[] = [
  { type: 'block_start', block: 0, kind: 'reasoning' },
  ...tokens(0, 'Hmm', '.'),
  { type: 'block_end', block: 0 },
  { type: 'block_start', block: 1, kind: 'text' },
  ...tokens(1, 'Hello', ' there', '!'),
  { type: 'block_end', block: 1 },
  { type: 'end', finish_reason: 'stop' },
];

const userMessage: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] };

/** The transport, remembering the stream id each answer names. */
function transport() {
  const streams: string[] = [];
  const chat = new DefaultChatTransport<UIMessage>({
    api: `${gateway.url}/v1/ai-sdk/chat`,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const id = response.headers.get('x-spool-stream-id');
      if (id) streams.push(id);
      return response;
    },
  });
  return { chat, streams };
}

async function lastSnapshot(stream: ReadableStream<unknown>): Promise<UIMessage | undefined> {
  let message: UIMessage | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's chunk stream, typed by the transport
  for await (const snapshot of readUIMessageStream({ stream: stream as any })) message = snapshot;
  return message;
}

async function send(chatId: string) {
  const { chat, streams } = transport();
  const stream = await chat.sendMessages({
    chatId,
    messages: [userMessage],
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });
  return { stream, streamId: streams[0] ?? '', chat };
}

function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

describe('POST /v1/ai-sdk/chat', () => {
  it('starts a generation from the chat and answers the UI message stream useChat reads', async () => {
    const { stream, streamId } = await send('chat-send');
    const meta = await gateway.log.meta(streamId);
    expect(meta.fields.ai_sdk_chat).toBe('chat-send');
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems });
    const message = await lastSnapshot(stream);
    expect(message?.id).toBe(uiMessageId(streamId));
    expect(textOf(message)).toBe('Hello there!');
    expect(message?.parts.find((part) => part.type === 'reasoning')).toMatchObject({
      text: 'Hmm.',
    });
  });

  it('answers the SDK headers', async () => {
    const response = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'chat-headers', messages: [userMessage] }),
    });
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamId = response.headers.get('x-spool-stream-id') ?? '';
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems });
    const body = await response.text();
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('refuses a bad body with a clear error and stores nothing', async () => {
    const before = await gateway.log.chatStream('-:chat-bad');
    for (const body of [
      { id: 'chat-bad', messages: [] },
      { id: 'bad{id}', messages: [userMessage] },
      { id: 'chat-bad', messages: [{ role: 'robot', parts: [] }] },
      { id: 'chat-bad', messages: [userMessage], params: { max_tokens: -1 } },
    ]) {
      const response = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(await gateway.log.chatStream('-:chat-bad')).toBe(before);
  });
});

describe('POST /v1/ai-sdk/chat as text/plain (what WorkflowChatTransport sends)', () => {
  it('parses it as JSON, and refuses it from another origin, 403, storing nothing', async () => {
    const body = JSON.stringify({ id: 'chat-plain', messages: [userMessage] });
    const foreign = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://elsewhere.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    expect(await gateway.log.chatStream('-:chat-plain')).toBeUndefined();
    const broken = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"id": ',
    });
    expect(broken.status).toBe(400);
    const own = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body,
    });
    expect(own.status).toBe(201);
    expect(await gateway.log.chatStream('-:chat-plain')).toBe(
      ((await own.json()) as { id: string }).id,
    );
  });
});

describe('GET /v1/ai-sdk/chat/:chat/stream', () => {
  it('replays the running stream from its start with the same message id, then live', async () => {
    const { streamId } = await send('chat-resume');
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems.slice(0, 6) });
    const { chat } = transport();
    const resumed = await chat.reconnectToStream({ chatId: 'chat-resume' });
    expect(resumed).not.toBeNull();
    await gateway.log.append({ streamId, attempt: 1, at: 6, items: answerItems.slice(6) });
    const message = await lastSnapshot(resumed as ReadableStream<unknown>);
    expect(message?.id).toBe(uiMessageId(streamId));
    expect(textOf(message)).toBe('Hello there!');
  });

  it('answers 204 (null to the SDK) for a chat without a stream and after the stream ended', async () => {
    const { chat } = transport();
    expect(await chat.reconnectToStream({ chatId: 'chat-never' })).toBeNull();
    const { stream, streamId } = await send('chat-ended');
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems });
    await lastSnapshot(stream);
    expect(await chat.reconnectToStream({ chatId: 'chat-ended' })).toBeNull();
  });
});

describe('POST /v1/ai-sdk/chat/:chat/stop', () => {
  it('cancels the running stream; aborting the fetch alone does not', async () => {
    const controller = new AbortController();
    const { chat, streams } = transport();
    await chat.sendMessages({
      chatId: 'chat-stop',
      messages: [userMessage],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: controller.signal,
    });
    const streamId = streams[0] ?? '';
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await gateway.log.meta(streamId)).status).toBe('queued');
    const stop = await fetch(`${gateway.url}/v1/ai-sdk/chat/chat-stop/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(await stop.json()).toEqual({ id: streamId, status: 'cancelled' });
    const none = await fetch(`${gateway.url}/v1/ai-sdk/chat/chat-nothing/stop`, {
      method: 'POST',
    });
    expect(none.status).toBe(204);
  });
});

/** The UI chunks of an SSE body as the SDK parses and validates them, at most `limit`. */
async function chunksOf(body: ReadableStream<Uint8Array>, limit = Number.POSITIVE_INFINITY) {
  const chunks: UIMessageChunk[] = [];
  const reader = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).getReader();
  while (chunks.length < limit) {
    const next = await reader.read();
    if (next.done) break;
    if (!next.value.success) throw next.value.error;
    chunks.push(next.value.value);
  }
  await reader.cancel();
  return chunks;
}

function messageOf(chunks: UIMessageChunk[]) {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return lastSnapshot(stream);
}

describe('the WorkflowChatTransport contract (x-workflow-run-id, startIndex)', () => {
  it('resumes a cut answer by its run id at the chunk count the client had', async () => {
    const post = await fetch(`${gateway.url}/v1/ai-sdk/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // The transport sends no chat id.
      body: JSON.stringify({ messages: [userMessage] }),
    });
    const runId = post.headers.get('x-workflow-run-id') ?? '';
    expect(runId).toBe(post.headers.get('x-spool-stream-id'));
    await gateway.log.append({
      streamId: runId,
      attempt: 1,
      at: 0,
      items: answerItems.slice(0, 6),
    });
    const first = await chunksOf(post.body as ReadableStream<Uint8Array>, 5);
    await gateway.log.append({ streamId: runId, attempt: 1, at: 6, items: answerItems.slice(6) });
    const resumed = await fetch(`${gateway.url}/v1/ai-sdk/chat/${runId}/stream?startIndex=5`);
    expect(resumed.status).toBe(200);
    const rest = await chunksOf(resumed.body as ReadableStream<Uint8Array>);
    expect(rest.at(-1)?.type).toBe('finish');
    const message = await messageOf([...first, ...rest]);
    expect(textOf(message)).toBe('Hello there!');
    expect(message?.parts.find((part) => part.type === 'reasoning')).toMatchObject({
      text: 'Hmm.',
    });
    // The whole answer has as many chunks as the two parts together: nothing lost or repeated.
    const again = await fetch(`${gateway.url}/v1/ai-sdk/chat/${runId}/stream?startIndex=0`);
    expect(await chunksOf(again.body as ReadableStream<Uint8Array>)).toEqual([...first, ...rest]);
  });

  it('serves the last chunks for a negative startIndex from a part start, with the tail index', async () => {
    const { streamId } = await send('chat-tail');
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems.slice(0, 7) });
    const whole = await chunksOf(
      (await fetch(`${gateway.url}/v1/ai-sdk/chat/${streamId}/stream`))
        .body as ReadableStream<Uint8Array>,
      9,
    );
    const tail = await fetch(`${gateway.url}/v1/ai-sdk/chat/chat-tail/stream?startIndex=-2`);
    const tailIndex = Number(tail.headers.get('x-workflow-stream-tail-index'));
    const position = tailIndex + 1 - 2;
    const chunks = await chunksOf(tail.body as ReadableStream<Uint8Array>, 9 - position);
    expect(chunks).toEqual(whole.slice(position));
    // 9 chunks made; the last 2 lie inside the text part: moved back to its text-start.
    expect(tailIndex).toBe(7);
    expect(chunks[0]).toMatchObject({ type: 'text-start' });
  });

  it('refuses a startIndex beyond the answer or not an integer, 400', async () => {
    const { streamId } = await send('chat-beyond');
    for (const query of ['startIndex=999', 'startIndex=abc', 'startIndex=1e3']) {
      const response = await fetch(`${gateway.url}/v1/ai-sdk/chat/${streamId}/stream?${query}`);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string } };
      expect(['offset_out_of_range', 'invalid_request']).toContain(error.code);
    }
  });
});

/** A body that ends after its first `bytes` bytes, as a connection cut by the network. */
function cutAfter(response: Response, bytes: number): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let left = bytes;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read();
      if (next.done || left <= 0) {
        await reader.cancel();
        controller.close();
        return;
      }
      const piece = next.value.subarray(0, left);
      left -= piece.length;
      controller.enqueue(piece);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

describe("the AI SDK's WorkflowChatTransport against the chat routes", () => {
  it('resumes a cut answer by itself at its chunk count: the message has everything once', async () => {
    let streamId = '';
    const requests: string[] = [];
    const transport = new WorkflowChatTransport<UIMessage>({
      api: `${gateway.url}/v1/ai-sdk/chat`,
      fetch: async (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${String(input).replace(gateway.url, '')}`);
        const response = await fetch(input, init);
        if (init?.method !== 'POST') return response;
        streamId = response.headers.get('x-workflow-run-id') ?? '';
        await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems.slice(0, 6) });
        setTimeout(() => {
          void gateway.log.append({ streamId, attempt: 1, at: 6, items: answerItems.slice(6) });
        }, 300);
        return cutAfter(response, 300);
      },
    });
    const stream = await transport.sendMessages({
      chatId: 'workflow-chat',
      messages: [userMessage],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const message = await lastSnapshot(stream);
    expect(textOf(message)).toBe('Hello there!');
    expect(message?.parts.find((part) => part.type === 'reasoning')).toMatchObject({
      text: 'Hmm.',
    });
    expect(requests[0]).toBe('POST /v1/ai-sdk/chat');
    expect(requests[1]).toMatch(
      new RegExp(`^GET /v1/ai-sdk/chat/${streamId}/stream\\?startIndex=[1-9]`),
    );
  });

  it('shows the tail of a running answer for a negative start index without a crash', async () => {
    const { streamId } = await send('workflow-tail');
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answerItems.slice(0, 8) });
    const transport = new WorkflowChatTransport<UIMessage>({
      api: `${gateway.url}/v1/ai-sdk/chat`,
      initialStartIndex: -2,
    });
    const stream = await transport.reconnectToStream({ chatId: 'workflow-tail' });
    setTimeout(() => {
      void gateway.log.append({ streamId, attempt: 1, at: 8, items: answerItems.slice(8) });
    }, 100);
    const message = await lastSnapshot(stream as ReadableStream<unknown>);
    // The last 2 chunks lay inside the text part: it is shown whole.
    expect(textOf(message)).toBe('Hello there!');
  });
});
