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
 * openai-format.ts), ending with `data: [DONE]`; `?include_usage=true|false` overrides whether
 * the usage chunk is sent (default: what the creating chat completion asked for).
 */
import { isStreamId, SpoolError, validate } from '@spool/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { deliveryStart } from '../delivery/delivery-start.ts';
import { valueOrThrow } from '../http/errors.ts';
import { openAIQuerySchema, openAISseFormat } from '../openai/openai-sse-format.ts';
import { resumeRequest } from '../sse/resume-point.ts';
import { deliverSse } from '../sse/sse-delivery.ts';

/** Per-request chunking over SSE: `?chunking=token|adaptive`, or `?chunk_items=N&chunk_delay_ms=M`. */
const chunkingQuerySchema = z.object({
  chunking: z.enum(['token', 'adaptive']).optional(),
  chunk_items: z.coerce.number().int().min(1).max(4_096).optional(),
  chunk_delay_ms: z.coerce.number().int().min(0).max(10_000).optional(),
});

export function registerEventsRoute(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/v1/streams/:id/events', async (request, reply) => {
    const context = app.spool;
    const streamId = request.params.id;
    if (!isStreamId(streamId))
      throw new SpoolError('invalid_stream_id', `Not a stream id: ${streamId}`);
    const resume = valueOrThrow(
      resumeRequest({ query: request.query, lastEventId: request.headers['last-event-id'] }),
    );
    const query = { code: 'invalid_request', subject: 'query' } as const;
    const chunking = valueOrThrow(validate(chunkingQuerySchema, request.query, query));
    const openai = valueOrThrow(validate(openAIQuerySchema, request.query, query));
    context.admission.checkConnection(context.deliveries.size);
    const start = await deliveryStart(context, streamId, resume);
    if (start.complete) return reply.code(204).send();
    const policy = chunkingPolicy(
      chunking.chunk_items !== undefined
        ? { maxItems: chunking.chunk_items, maxDelayMs: chunking.chunk_delay_ms ?? 0 }
        : chunking.chunking,
      context.config.maxChunkItems,
    );
    const format =
      resume.query.format === 'openai'
        ? await openAISseFormat({
            log: context.log,
            streamId,
            from: start.from,
            includeUsage:
              openai.include_usage === undefined ? undefined : openai.include_usage === 'true',
          })
        : undefined;
    if (start.from > 0 || resume.kind === 'subscription')
      context.metrics.resumes.inc({ transport: 'sse' });
    await deliverSse({
      context,
      reply,
      streamId,
      start,
      autoAck: resume.kind === 'offset',
      policy,
      format,
    });
  });
}
