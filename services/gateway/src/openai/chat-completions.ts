/**
 * `POST /v1/chat/completions`: OpenAI-compatible. Creates a stream exactly as `POST /v1/streams`
 * does (same `Idempotency-Key` and admission rules), then answers in OpenAI's format:
 *
 * - `stream: true`: SSE `chat.completion.chunk` events from offset 0 through the same delivery
 *   path as `GET /v1/streams/:id/events?format=openai`, ending with `data: [DONE]`. Each event's
 *   `id:` (and `spool.next`) is its resume point, so a client that drops resumes there.
 * - `stream: false`: waits for the stream's end (at most `COMPLETION_TIMEOUT_MS`, then 504
 *   `upstream_timeout`; the generation goes on) and answers one `chat.completion`. A stream that
 *   ended with an `error` item answers that error (status from the error table, else 502).
 *
 * Both carry the header `X-Spool-Stream-Id`. A non-streaming client that goes away does not
 * cancel the generation: retried with the same `Idempotency-Key`, it waits for the same stream.
 */
import { errorSpec, HTTP_ROUTES, isErrorCode } from '@spool/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { valueOrThrow } from '../http/errors.ts';
import { createRouteStream } from '../http/route-stream.ts';
import { COMPLETION_TIMEOUT_MS, foldForReply } from '../http/whole-stream.ts';
import { STREAM_ID_HEADER, streamCreatedStream } from '../sse/created-stream-answer.ts';
import type { CreatedStream } from '../streams/create-stream.ts';
import {
  type ChatCompletionPlan,
  parseChatCompletionBody,
  planChatCompletion,
} from './chat-completion-request.ts';
import { CompletionFold } from './chat-completion-result.ts';
import { DEFAULT_OPENAI_MODEL, openAISseFormat } from './openai-sse-format.ts';

export function registerChatCompletionsRoute(app: FastifyInstance): void {
  app.post(HTTP_ROUTES.chatCompletions.path, chatCompletions);
}

async function chatCompletions(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = valueOrThrow(parseChatCompletionBody(request.body));
  const plan = planChatCompletion(body);
  const stream = await createRouteStream(request, reply, {
    endpoint: 'chat.completions',
    body,
    plan,
  });
  if (plan.stream) return streamCompletion(context, reply, stream, plan);
  return answerCompletion(context, reply, stream, plan);
}

async function streamCompletion(
  context: GatewayContext,
  reply: FastifyReply,
  stream: CreatedStream,
  plan: ChatCompletionPlan,
): Promise<void> {
  return streamCreatedStream(context, reply, stream.id, (start) =>
    openAISseFormat({
      log: context.log,
      streamId: stream.id,
      from: 0,
      epoch: start.epoch,
      model: plan.model,
      includeUsage: plan.includeUsage,
    }),
  );
}

async function answerCompletion(
  context: GatewayContext,
  reply: FastifyReply,
  stream: CreatedStream,
  plan: ChatCompletionPlan,
) {
  const fold = await foldForReply(
    context,
    reply,
    stream.id,
    () => new CompletionFold(),
    COMPLETION_TIMEOUT_MS,
  );
  if (fold === undefined) return;
  reply.header(STREAM_ID_HEADER, stream.id);
  const failure = fold.error;
  if (failure !== undefined) {
    const { code } = failure;
    const status = isErrorCode(code) ? errorSpec(code).status : 502;
    return reply.code(status).send({ error: failure });
  }
  const meta = await context.log.meta(stream.id);
  return reply.send(
    fold.completion({
      streamId: stream.id,
      created: Math.floor(meta.createdAt / 1_000),
      model: plan.model ?? meta.fields.model ?? DEFAULT_OPENAI_MODEL,
    }),
  );
}
