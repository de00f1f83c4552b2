/**
 * The AI SDK's chat contract, for `useChat` with the stock transports:
 *
 * - `POST /v1/ai-sdk/chat`: creates a stream exactly as `POST /v1/streams` does (same
 *   `Idempotency-Key` and admission rules) from the chat's history, names it the chat's latest
 *   stream (when the body has a chat `id`), and answers the UI message stream from its start with
 *   `x-vercel-ai-ui-message-stream: v1`, `x-workflow-run-id` and `X-Spool-Stream-Id` (both the
 *   stream id). A client that goes away does not cancel the generation.
 * - `GET /v1/ai-sdk/chat/:chat/stream[?startIndex=N]`: `:chat` is a chat id (`DefaultChatTransport`
 *   with `resume: true`: its latest stream, `204` when it has none or it has ended) or a stream id
 *   the caller created (`WorkflowChatTransport`'s run id: that stream, ended or not). From chunk
 *   `startIndex` (default 0; ui-chunk-index.ts), with `x-workflow-stream-tail-index`.
 * - Either answers with `Accept: application/json` (and not `text/event-stream`): the create
 *   answer of `POST /v1/streams`, or `{ id }` of the stream to resume (`@spool/ai-sdk` reads it
 *   over Spool's WebSocket).
 * - `POST /v1/ai-sdk/chat/:chat/stop`: cancels the chat's latest stream (the model is aborted,
 *   the stream ends `cancelled`); `202` with the status, `204` when there is nothing to stop.
 *
 * Answers go one item per chunk, so chunk indexes depend on the log alone. Chats are named per
 * API key (`<key id>:<chat id>`; `-` without keys). Errors have Spool's JSON body.
 */
import { FINAL_STATUSES, HTTP_ROUTES, isSpoolError, isStreamId } from '@spool/protocol';
import type { StreamMeta } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OWNER_FIELD } from '../auth/access-control.ts';
import type { GatewayContext } from '../context.ts';
import type { DeliveryStart } from '../delivery/delivery-start.ts';
import { admitConnection } from '../http/client-identity.ts';
import { valueOrThrow } from '../http/errors.ts';
import { installJsonParser } from '../http/json-body.ts';
import { createRouteStream } from '../http/route-stream.ts';
import { streamCreatedStream } from '../sse/created-stream-answer.ts';
import { createdAnswer } from '../streams/create-stream.ts';
import { parseChatBody, parseChatId, parseChatStreamQuery, planChat } from './chat-request.ts';
import { type UiChunkPosition, uiChunkPosition } from './ui-chunk-index.ts';
import { uiMessageSseFormat } from './ui-message-sse-format.ts';

export function registerAiSdkChatRoutes(app: FastifyInstance): void {
  app.register(async (scope) => {
    // WorkflowChatTransport posts its JSON without a content type (fetch then says text/plain).
    // A cross-origin page could send that without a preflight, but the origin check refuses it.
    installJsonParser(scope, { lenient: false, contentType: 'text/plain' });
    scope.post(HTTP_ROUTES.aiSdkChat.path, chat);
  });
  app.get(HTTP_ROUTES.aiSdkChatStream.path, resumeChat);
  app.post(HTTP_ROUTES.aiSdkChatStop.path, stopChat);
}

type ChatRequest = FastifyRequest<{ Params: { chat: string } }>;

async function chat(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = valueOrThrow(parseChatBody(request.body));
  const plan = planChat(body);
  const stream = await createRouteStream(request, reply, { endpoint: 'ai-sdk.chat', body, plan });
  if (body.id !== undefined) await context.log.setChatStream(chatName(request, body.id), stream.id);
  if (wantsJson(request)) {
    const created = createdAnswer(stream, context.config.publicUrl);
    return reply.code(stream.created ? 201 : 200).send(created);
  }
  return answer(context, reply, stream.id, { from: 0, skip: 0, tailIndex: -1 });
}

async function resumeChat(request: ChatRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const name = valueOrThrow(parseChatId(request.params.chat));
  const { startIndex = 0 } = valueOrThrow(parseChatStreamQuery(request.query));
  const streamId =
    (await runOf(context, request, name)) ?? (await activeStreamOf(context, request, name));
  if (streamId === undefined) return reply.code(204).send();
  if (wantsJson(request)) return reply.send({ id: streamId });
  const position = valueOrThrow(
    await uiChunkPosition(streamId, (range) => context.log.items(streamId, range), startIndex),
  );
  admitConnection(request);
  return answer(context, reply, streamId, position);
}

async function stopChat(request: ChatRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const chatId = valueOrThrow(parseChatId(request.params.chat));
  const streamId = await context.log.chatStream(chatName(request, chatId));
  if (streamId === undefined || (await metaIfKept(context, streamId)) === undefined)
    return reply.code(204).send();
  return reply.code(202).send({ id: streamId, status: await context.log.cancel(streamId) });
}

async function answer(
  context: GatewayContext,
  reply: FastifyReply,
  streamId: string,
  position: UiChunkPosition,
): Promise<void> {
  const format = (start: DeliveryStart) =>
    uiMessageSseFormat({
      log: context.log,
      streamId,
      from: position.from,
      skip: position.skip,
      epoch: start.epoch,
    });
  // One item per chunk: chunk indexes depend on the log alone (ui-chunk-index.ts).
  await streamCreatedStream(context, reply, streamId, format, {
    from: position.from,
    chunking: 'token',
    headers: {
      'x-vercel-ai-ui-message-stream': 'v1',
      'x-workflow-run-id': streamId,
      'x-workflow-stream-tail-index': String(position.tailIndex),
    },
  });
}

/**
 * A client that reads the stream itself (`@spool/ai-sdk`, over Spool's WebSocket) asks for JSON:
 * the create answer, or the id of the stream to resume. The AI SDK transports accept anything.
 */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

/** `name` as a WorkflowChatTransport run id: a kept stream this caller created. */
async function runOf(
  context: GatewayContext,
  request: FastifyRequest,
  name: string,
): Promise<string | undefined> {
  if (!isStreamId(name)) return undefined;
  const meta = await metaIfKept(context, name);
  if (meta === undefined) return undefined;
  const owner = request.spoolKey?.id;
  return owner === undefined || meta.fields[OWNER_FIELD] === owner ? name : undefined;
}

/** The chat's latest stream while it has not ended (useChat's `resume: true`). */
async function activeStreamOf(
  context: GatewayContext,
  request: FastifyRequest,
  chatId: string,
): Promise<string | undefined> {
  const streamId = await context.log.chatStream(chatName(request, chatId));
  const meta = streamId === undefined ? undefined : await metaIfKept(context, streamId);
  return meta === undefined || FINAL_STATUSES.has(meta.status) ? undefined : streamId;
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
