/**
 * The AI SDK chat routes with real processes (gateway, synthetic worker, Redis) and the SDK's
 * own code as the client (ai 7: `DefaultChatTransport`, `parseJsonEventStream`,
 * `readUIMessageStream`): answers with reasoning, text and a tool call, the fetch aborted
 * mid-answer and the answer resumed (by chat, as `useChat({ resume: true })` does; by run id and
 * chunk index, as `WorkflowChatTransport` does). The assembled message must equal the stream's
 * items as the log holds them, with no text twice.
 */
import type { Item } from '@spool/protocol';
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import { describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

const userMessage: UIMessage = {
  id: 'u1',
  role: 'user',
  parts: [{ type: 'text', text: 'What is the weather in Paris?' }],
};
/** The synthetic model thinks, answers and calls a tool. */
const body = { params: { reasoning: true, tools: true, seed: 7 } };

async function startSystem() {
  const system = systemOf();
  const gateway = await system.startGateway();
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '150' });
  return { system, api: `${gateway.url}/v1/ai-sdk/chat` };
}

/** What the message should hold: each block's text, by kind, from the log. */
function expectedParts(items: Item[]) {
  const blocks = new Map<number, { kind: string; text: string; tool?: string }>();
  for (const item of items) {
    if (item.type === 'block_start')
      blocks.set(item.block, { kind: item.kind, text: '', tool: item.tool?.name });
    if (item.type === 'token') {
      const block = blocks.get(item.block) ?? { kind: 'text', text: '' };
      block.text += item.text;
      blocks.set(item.block, block);
    }
  }
  return [...blocks.values()].map((block) =>
    block.kind === 'reasoning'
      ? { type: 'reasoning', text: block.text }
      : block.kind === 'text'
        ? { type: 'text', text: block.text }
        : { type: `tool-${block.tool}`, input: JSON.parse(block.text) },
  );
}

async function assemble(chunks: AsyncIterable<UIMessageChunk> | UIMessageChunk[]) {
  const stream = new ReadableStream<UIMessageChunk>({
    async start(controller) {
      for await (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream })) message = snapshot;
  return message;
}

/** The UI chunks of an answer body as the SDK parses and validates them, at most `limit`. */
async function chunksOf(response: Response, limit = Number.POSITIVE_INFINITY) {
  const chunks: UIMessageChunk[] = [];
  const body = response.body as ReadableStream<Uint8Array>;
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

function partsOf(message: UIMessage | undefined) {
  return (message?.parts ?? []).filter((part) => part.type !== 'step-start');
}

describe('AI SDK chat with real processes', () => {
  it('resumes an answer whose fetch was aborted (useChat resume): the message equals the log', async () => {
    const { system, api } = await startSystem();
    const streams: string[] = [];
    const transport = new DefaultChatTransport<UIMessage>({
      api,
      body,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const id = response.headers.get('x-spool-stream-id');
        if (id) streams.push(id);
        return response;
      },
    });
    const controller = new AbortController();
    const first = await transport.sendMessages({
      chatId: 'e2e-chat',
      messages: [userMessage],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: controller.signal,
    });
    const reader = first.getReader();
    for (let read = 0; read < 10; read++) await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    const streamId = streams[0] ?? '';
    expect((await system.log.meta(streamId)).status).not.toBe('cancelled');

    const resumed = await transport.reconnectToStream({ chatId: 'e2e-chat' });
    expect(resumed).not.toBeNull();
    const chunks: UIMessageChunk[] = [];
    const resumedReader = (resumed as ReadableStream<UIMessageChunk>).getReader();
    for (let next = await resumedReader.read(); !next.done; next = await resumedReader.read())
      chunks.push(next.value);
    const message = await assemble(chunks);
    const items = await system.waitForEnd(streamId);
    expect(message?.id).toBe(`msg_${streamId}`);
    expect(partsOf(message)).toMatchObject(expectedParts(items));
    expect(expectedParts(items).map((part) => part.type.replace(/^tool-.*/, 'tool'))).toEqual([
      'reasoning',
      'text',
      'tool',
    ]);
    // After the end the chat has nothing to resume.
    expect(await transport.reconnectToStream({ chatId: 'e2e-chat' })).toBeNull();
  });

  it('resumes a cut answer by run id and chunk index (WorkflowChatTransport): nothing lost or twice', async () => {
    const { system, api } = await startSystem();
    const post = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [userMessage], ...body }),
    });
    const runId = post.headers.get('x-workflow-run-id') ?? '';
    const head = await chunksOf(post, 25);
    const rest = await chunksOf(await fetch(`${api}/${runId}/stream?startIndex=${head.length}`));
    expect(rest.at(-1)?.type).toBe('finish');
    const items = await system.waitForEnd(runId);
    expect(partsOf(await assemble([...head, ...rest]))).toMatchObject(expectedParts(items));
    const whole = await chunksOf(await fetch(`${api}/${runId}/stream`));
    expect([...head, ...rest]).toEqual(whole);
  });

  it('stop cancels the generation: the stream ends cancelled', async () => {
    const { system, api } = await startSystem();
    const post = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'e2e-stop', messages: [userMessage], params: { seed: 3 } }),
    });
    const streamId = post.headers.get('x-spool-stream-id') ?? '';
    await chunksOf(post, 5);
    const stop = await fetch(`${api}/e2e-stop/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    const items = await system.waitForEnd(streamId);
    expect(items.at(-1)).toMatchObject({ type: 'end', finish_reason: 'cancelled' });
  });
});
