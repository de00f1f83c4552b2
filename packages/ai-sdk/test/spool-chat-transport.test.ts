/**
 * `SpoolChatTransport` against two gateways in this process over a real Redis, read by the AI
 * SDK's own `readUIMessageStream` (ai 7). No worker runs: the test appends each answer's items
 * through the token log, live while the transport reads, as a generation would.
 */
import { type Gateway, loadGatewayConfig, startGateway } from '@spool/gateway';
import type { Item, NewItem } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import { serviceEnv } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import type { TokenLog } from '@spool/token-log';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpoolChatTransport } from '../src/index.ts';

const redis = redisPerFile();
let gateways: Gateway[] = [];
const transports: SpoolChatTransport[] = [];

beforeAll(async () => {
  gateways = await Promise.all(
    [1, 2].map(() =>
      startGateway(
        loadGatewayConfig({ ...serviceEnv(redis()), SPOOL_PORT: '0', SPOOL_HOST: '127.0.0.1' }),
        { logger: createLogger('gateway-test', 'silent'), redis: { maxRetriesPerRequest: null } },
      ),
    ),
  );
});
afterAll(async () => {
  for (const transport of transports) transport.close();
  await Promise.all(gateways.map((gateway) => gateway.drain()));
});

function transport(options: { cancelOnStop?: boolean } = {}) {
  const made = new SpoolChatTransport({
    baseUrl: gateways.map((gateway) => gateway.url),
    client: { transport: 'ws', reconnect: { initialDelayMs: 20, maxDelayMs: 100 } },
    ...options,
  });
  transports.push(made);
  return made;
}

const userMessage: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] };

function send(chat: SpoolChatTransport, chatId: string, abortSignal?: AbortSignal) {
  return chat.sendMessages({
    chatId,
    messages: [userMessage],
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal,
  });
}

const tokens = (block: number, count: number): NewItem[] =>
  Array.from({ length: count }, (_, index) => ({ type: 'token', block, text: `w${index} ` }));

const answer = (words: number): NewItem[] => [
  { type: 'block_start', block: 0, kind: 'reasoning' },
  ...tokens(0, 3),
  { type: 'block_end', block: 0 },
  { type: 'block_start', block: 1, kind: 'text' },
  ...tokens(1, words),
  { type: 'block_end', block: 1 },
  { type: 'end', finish_reason: 'stop' },
];

/** The chat's stream, once the transport's request has named it. */
async function chatStreamOf(log: TokenLog, chatId: string): Promise<string> {
  for (;;) {
    const streamId = await log.chatStream(`-:${chatId}`);
    if (streamId !== undefined) return streamId;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Appends `items` one by one to the chat's stream (found through the gateway's chat name). */
async function generate(chatId: string, items: NewItem[], everyMs = 0, signal?: AbortSignal) {
  // The last gateway's log: the first may be killed meanwhile.
  const log = gateways.at(-1)?.app.spool.log;
  if (!log) throw new Error('no gateway');
  const streamId = await chatStreamOf(log, chatId);
  for (const [at, item] of items.entries()) {
    if (signal?.aborted) return streamId;
    await log.append({ streamId, attempt: 1, at, items: [item] });
    if (everyMs > 0) await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return streamId;
}

/**
 * A stand-in generation of the chat's stream that appends a token every `everyMs` until the
 * stream is cancelled (as a worker that aborts its model does) or the test stops it.
 */
function cancellableGeneration(chatId: string, everyMs: number) {
  let cancelled = false;
  let stopped = false;
  const done = (async () => {
    const log = gateways.at(-1)?.app.spool.log;
    if (!log) throw new Error('no gateway');
    const streamId = await chatStreamOf(log, chatId);
    const unwatch = await log.watchCancel(streamId, () => {
      cancelled = true;
    });
    await log.append({
      streamId,
      attempt: 1,
      at: 0,
      items: [{ type: 'block_start', block: 0, kind: 'text' }],
    });
    let at = 1;
    while (!cancelled && !stopped) {
      await log.append({
        streamId,
        attempt: 1,
        at,
        items: [{ type: 'token', block: 0, text: 'x ' }],
      });
      at += 1;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await log.append({
      streamId,
      attempt: 1,
      at,
      items: [{ type: 'end', finish_reason: 'cancelled' }],
    });
    await unwatch();
  })();
  return {
    cancelled: () => cancelled,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function messageOf(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream })) message = snapshot;
  return message;
}

function textOf(message: UIMessage | undefined, type: 'text' | 'reasoning'): string {
  return (message?.parts ?? []).map((part) => (part.type === type ? part.text : '')).join('');
}

function expectedText(items: NewItem[], block: number): string {
  return items
    .map((item) => (item.type === 'token' && item.block === block ? item.text : ''))
    .join('');
}

describe('SpoolChatTransport', () => {
  it('reads an answer over the WebSocket into the message useChat shows', async () => {
    const chat = transport();
    const items = answer(200);
    const [stream, streamId] = await Promise.all([send(chat, 'chat-a'), generate('chat-a', items)]);
    const message = await messageOf(stream);
    expect(message?.id).toBe(`msg_${streamId}`);
    expect(textOf(message, 'text')).toBe(expectedText(items, 1));
    expect(textOf(message, 'reasoning')).toBe(expectedText(items, 0));
  });

  it('loses nothing and repeats nothing when its gateway dies mid-answer', async () => {
    const chat = transport();
    const items = answer(300);
    const generating = generate('chat-b', items, 2);
    const stream = await send(chat, 'chat-b');
    const reading = messageOf(stream);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const victim = gateways.shift();
    await victim?.kill();
    await generating;
    const message = await reading;
    expect(textOf(message, 'text')).toBe(expectedText(items, 1));
  });

  it('stop() cancels the generation; with cancelOnStop false it only stops reading', async () => {
    for (const cancelOnStop of [true, false]) {
      const chat = transport({ cancelOnStop });
      const chatId = `chat-stop-${cancelOnStop}`;
      const stop = new AbortController();
      const stream = await send(chat, chatId, stop.signal);
      const generation = cancellableGeneration(chatId, 5);
      const reader = stream.getReader();
      await reader.read();
      stop.abort();
      await expect(readAll(reader)).rejects.toMatchObject({ name: 'AbortError' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(generation.cancelled()).toBe(cancelOnStop);
      await generation.stop();
    }
  });

  it('reconnectToStream reads the running answer from its start, and null without one', async () => {
    const chat = transport();
    expect(await chat.reconnectToStream({ chatId: 'chat-none' })).toBeNull();
    const items = answer(50);
    const first = await send(chat, 'chat-r');
    const producing = generate('chat-r', items.slice(0, 20));
    await first.cancel();
    await producing;
    const resumed = await chat.reconnectToStream({ chatId: 'chat-r' });
    expect(resumed).not.toBeNull();
    const log = gateways.at(-1)?.app.spool.log;
    const streamId = (await log?.chatStream('-:chat-r')) ?? '';
    await log?.append({ streamId, attempt: 1, at: 20, items: items.slice(20) });
    const message = await messageOf(resumed as ReadableStream<UIMessageChunk>);
    expect(textOf(message, 'text')).toBe(expectedText(items, 1));
  });
});

async function readAll(reader: ReadableStreamDefaultReader<UIMessageChunk>): Promise<Item[]> {
  for (;;) {
    const next = await reader.read();
    if (next.done) return [];
  }
}
