/**
 * The AI SDK's chat contract (`useChat` with `DefaultChatTransport({ api: '<gateway>/v1/ai-sdk/chat' })`):
 *
 * - `POST /v1/ai-sdk/chat`: creates a stream exactly as `POST /v1/streams` does (same
 *   `Idempotency-Key` and admission rules) from the chat's history, names it the chat's latest
 *   stream, and answers the UI message stream from offset 0 (`x-vercel-ai-ui-message-stream: v1`,
 *   `X-Spool-Stream-Id`). A client that goes away does not cancel the generation.
 * - `GET /v1/ai-sdk/chat/:chat/stream` (`useChat({ resume: true })` on mount): the chat's latest
 *   stream replayed from its start, then live; `204` when the chat has none or it has ended.
 * - `POST /v1/ai-sdk/chat/:chat/stop`: cancels the chat's latest stream (the model is aborted,
 *   the stream ends `cancelled`); `202` with the status, `204` when there is nothing to stop.
 *
 * Chats are named per API key (`<key id>:<chat id>`; `-` without keys): another key's chat of
 * the same id is another chat. Errors have Spool's JSON body; the SDK shows its text.
 */
import { FINAL_STATUSES, HTTP_ROUTES, isSpoolError, READ_TOKEN_HEADER } from '@spool/protocol';
import type { StreamMeta } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { admitConnection } from '../http/client-identity.ts';
import { valueOrThrow } from '../http/errors.ts';
import { streamCreatedStream } from '../sse/created-stream-answer.ts';
import { createStream } from '../streams/create-stream.ts';
import { parseChatBody, parseChatId, planChat } from './chat-request.ts';
import { UI_MESSAGE_STREAM_HEADERS, uiMessageSseFormat } from './ui-message-sse-format.ts';

export function registerAiSdkChatRoutes(app: FastifyInstance): void {
  app.post(HTTP_ROUTES.aiSdkChat.path, chat);
  app.get(HTTP_ROUTES.aiSdkChatStream.path, resumeChat);
  app.post(HTTP_ROUTES.aiSdkChatStop.path, stopChat);
}

type ChatRequest = FastifyRequest<{ Params: { chat: string } }>;

async function chat(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = valueOrThrow(parseChatBody(request.body));
  const plan = planChat(body);
  admitConnection(request);
  const stream = await createStream(context, {
    request: { 'ai-sdk.chat': body },
    idempotencyKey: request.headers['idempotency-key'],
    fields: plan.fields,
    job: plan.job,
    key: request.spoolKey,
  });
  await context.log.setChatStream(chatName(request, body.id), stream.id);
  if (stream.readToken !== undefined) reply.header(READ_TOKEN_HEADER, stream.readToken);
  return answer(context, reply, stream.id);
}

async function resumeChat(request: ChatRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const chatId = valueOrThrow(parseChatId(request.params.chat));
  const streamId = await context.log.chatStream(chatName(request, chatId));
  const meta = streamId === undefined ? undefined : await metaIfKept(context, streamId);
  if (streamId === undefined || meta === undefined || FINAL_STATUSES.has(meta.status))
    return reply.code(204).send();
  admitConnection(request);
  return answer(context, reply, streamId);
}

async function stopChat(request: ChatRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const chatId = valueOrThrow(parseChatId(request.params.chat));
  const streamId = await context.log.chatStream(chatName(request, chatId));
  if (streamId === undefined || (await metaIfKept(context, streamId)) === undefined)
    return reply.code(204).send();
  return reply.code(202).send({ id: streamId, status: await context.log.cancel(streamId) });
}

function answer(context: GatewayContext, reply: FastifyReply, streamId: string) {
  return streamCreatedStream(
    context,
    reply,
    streamId,
    (start) => uiMessageSseFormat({ log: context.log, streamId, from: 0, epoch: start.epoch }),
    UI_MESSAGE_STREAM_HEADERS,
  );
}

/** The chat's name in Redis: its id scoped by the API key that asked. */
function chatName(request: FastifyRequest, chatId: string): string {
  return `${request.spoolKey?.id ?? '-'}:${chatId}`;
}

/** The stream's metadata, or undefined when it is gone (expired, never stored). */
async function metaIfKept(
  context: GatewayContext,
  streamId: string,
): Promise<StreamMeta | undefined> {
  try {
    return await context.log.meta(streamId);
  } catch (error) {
    if (isSpoolError(error, 'stream_not_found') || isSpoolError(error, 'stream_expired'))
      return undefined;
    throw error;
  }
}
