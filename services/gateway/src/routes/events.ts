/**
 * `GET /v1/streams/:id/events`: SSE delivery (SPEC section 4).
 *
 * Everything that can be refused is checked before the response starts, so a bad request gets
 * an ordinary JSON error with its status (400 offset, 404 stream, 410 expired). Resuming exactly
 * at the end of an ended stream answers 204: the one status that tells an EventSource to stop
 * reconnecting. Once streaming, a failure is an `error` event without `id:` and the response
 * ends; a client resumes with `Last-Event-ID` on any gateway.
 *
 * `?format=openai` delivers the same items as OpenAI `chat.completion.chunk` events (see
 * openai/openai-format.ts), ending with `data: [DONE]`; `?include_usage=true|false` overrides
 * whether the usage chunk is sent (default: what the creating chat completion asked for).
 * `?format=anthropic` delivers them as Anthropic Messages API events (see
 * anthropic/anthropic-format.ts): a client of `POST /v1/messages` resumes there by offset.
 */
import {
  decodeSseEventsQuery,
  type Format,
  HTTP_ROUTES,
  isStreamId,
  SpoolError,
} from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';
import type { FastifyInstance } from 'fastify';
import { anthropicSseFormat } from '../anthropic/anthropic-sse-format.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { deliveryStart } from '../delivery/delivery-start.ts';
import { admitConnection } from '../http/client-identity.ts';
import { valueOrThrow } from '../http/errors.ts';
import { openAISseFormat } from '../openai/openai-sse-format.ts';
import { resumeRequest } from '../sse/resume-point.ts';
import { deliverSse, type SseFormat } from '../sse/sse-delivery.ts';

export function registerEventsRoute(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>(HTTP_ROUTES.getEvents.path, async (request, reply) => {
    const context = app.spool;
    const streamId = request.params.id;
    if (!isStreamId(streamId))
      throw new SpoolError('invalid_stream_id', `Not a stream id: ${streamId}`);
    const query = valueOrThrow(decodeSseEventsQuery(request.query));
    const resume = valueOrThrow(
      resumeRequest({ query, lastEventId: request.headers['last-event-id'] }),
    );
    admitConnection(request);
    const start = await deliveryStart(context, streamId, resume);
    if (start.complete) return reply.code(204).send();
    const format = await sseFormat(query.format, {
      log: context.log,
      streamId,
      from: start.from,
      epoch: start.epoch,
      includeUsage: query.includeUsage,
    });
    await deliverSse({
      context,
      reply,
      streamId,
      start,
      autoAck: resume.kind === 'offset',
      policy: chunkingPolicy(query.chunking, context.config.maxChunkItems),
      format,
      window: query.window,
    });
  });
}

/** The SSE encoding of `?format=`: Spool's own (undefined), OpenAI's or Anthropic's. */
function sseFormat(
  format: Format,
  options: {
    log: TokenLog;
    streamId: string;
    from: number;
    epoch: string;
    includeUsage: boolean | undefined;
  },
): Promise<SseFormat | undefined> | undefined {
  if (format === 'openai') return openAISseFormat(options);
  if (format === 'anthropic') return anthropicSseFormat(options);
  return undefined;
}
