/**
 * `POST /v1/messages`: Anthropic-compatible. Creates a stream exactly as `POST /v1/streams`
 * does (same `Idempotency-Key` and admission rules), then answers in the Messages API's format:
 *
 * - `stream: true`: SSE events (`message_start`, `content_block_*`, `message_delta`,
 *   `message_stop`, `error`) from offset 0 through the same delivery path as
 *   `GET /v1/streams/:id/events?format=anthropic`. Each event's `id:` is its resume point.
 * - otherwise: waits for the stream's end (at most `COMPLETION_TIMEOUT_MS`, then 504
 *   `upstream_timeout`; the generation goes on) and answers one `message`. A stream that ended
 *   with an `error` item answers that error (status from the error table, else 502).
 *
 * Both carry `X-Spool-Stream-Id`. Errors, before or instead of an answer, have Anthropic's body
 * (`{ type: "error", error: { type, message } }`) with Spool's `code` beside `type`.
 */
import { errorSpec, HTTP_ROUTES, isErrorCode } from '@spool/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { sendError, spoolErrorOf, valueOrThrow } from '../http/errors.ts';
import { createRouteStream } from '../http/route-stream.ts';
import { COMPLETION_TIMEOUT_MS, foldForReply } from '../http/whole-stream.ts';
import { STREAM_ID_HEADER, streamCreatedStream } from '../sse/created-stream-answer.ts';
import type { CreatedStream } from '../streams/create-stream.ts';
import { anthropicError } from './anthropic-format.ts';
import { anthropicSseFormat, DEFAULT_ANTHROPIC_MODEL } from './anthropic-sse-format.ts';
import { MessageFold } from './message-result.ts';
import { type MessagesPlan, parseMessagesBody, planMessages } from './messages-request.ts';

export function registerMessagesRoute(app: FastifyInstance): void {
  app.post(HTTP_ROUTES.messages.path, { errorHandler: answerError }, messages);
}

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const spool = spoolErrorOf(error, request, request.server.spool.metrics);
  return sendError(reply, spool, anthropicError);
}

async function messages(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = valueOrThrow(parseMessagesBody(request.body));
  const plan = planMessages(body);
  const stream = await createRouteStream(request, reply, { endpoint: 'messages', body, plan });
  if (plan.stream) return streamMessage(context, reply, stream, plan);
  return answerMessage(context, reply, stream, plan);
}

async function streamMessage(
  context: GatewayContext,
  reply: FastifyReply,
  stream: CreatedStream,
  plan: MessagesPlan,
): Promise<void> {
  return streamCreatedStream(context, reply, stream.id, (start) =>
    anthropicSseFormat({
      log: context.log,
      streamId: stream.id,
      from: 0,
      epoch: start.epoch,
      model: plan.model,
    }),
  );
}

async function answerMessage(
  context: GatewayContext,
  reply: FastifyReply,
  stream: CreatedStream,
  plan: MessagesPlan,
) {
  const fold = await foldForReply(
    context,
    reply,
    stream.id,
    () => new MessageFold(),
    COMPLETION_TIMEOUT_MS,
  );
  if (fold === undefined) return;
  reply.header(STREAM_ID_HEADER, stream.id);
  const failure = fold.error;
  if (failure !== undefined) {
    const status = isErrorCode(failure.code) ? errorSpec(failure.code).status : 502;
    return reply.code(status).send(anthropicError(failure));
  }
  const meta = await context.log.meta(stream.id);
  return reply.send(
    fold.message({
      streamId: stream.id,
      model: plan.model ?? meta.fields.model ?? DEFAULT_ANTHROPIC_MODEL,
    }),
  );
}
