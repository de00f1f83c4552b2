/**
 * `GET /v1/streams/:id/events`: SSE delivery (SPEC section 4).
 *
 * Everything that can be refused is checked before the response starts, so a bad request gets
 * an ordinary JSON error with its status (400 offset, 404 stream, 410 expired). Resuming exactly
 * at the end of an ended stream answers 204: the one status that tells an EventSource to stop
 * reconnecting. Once streaming, a failure is an `error` event without `id:` and the response
 * ends; a client resumes with `Last-Event-ID` on any gateway.
 */
import {
  encodeSseProtocolError,
  encodeSseRetry,
  isSpoolError,
  isStreamId,
  SpoolError,
  validate,
} from '@spool/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { GatewayContext } from '../app.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { DeliverySession } from '../delivery/delivery-session.ts';
import { type DeliveryStart, deliveryStart } from '../delivery/delivery-start.ts';
import { valueOrThrow } from '../http-errors.ts';
import { resumeRequest } from './resume-point.ts';
import { SSE_HEADERS, SseSink } from './sse-sink.ts';

const RETRY_MS = 1_000;

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
    if (resume.query.format === 'openai') {
      throw new SpoolError('invalid_request', 'format=openai: not served by this gateway version.');
    }
    const chunking = valueOrThrow(
      validate(chunkingQuerySchema, request.query, { code: 'invalid_request', subject: 'query' }),
    );
    context.admission.checkConnection(context.deliveries.size);
    const start = await deliveryStart(context, streamId, resume);
    if (start.complete) return reply.code(204).send();
    const policy = chunkingPolicy(
      chunking.chunk_items !== undefined
        ? { maxItems: chunking.chunk_items, maxDelayMs: chunking.chunk_delay_ms ?? 0 }
        : chunking.chunking,
      context.config.maxChunkItems,
    );
    if (start.from > 0 || resume.kind === 'subscription')
      context.metrics.resumes.inc({ transport: 'sse' });
    await stream({ context, reply, streamId, start, autoAck: resume.kind === 'offset', policy });
  });
}

interface StreamInput {
  context: GatewayContext;
  reply: FastifyReply;
  streamId: string;
  start: DeliveryStart;
  autoAck: boolean;
  policy: ReturnType<typeof chunkingPolicy>;
}

async function stream(input: StreamInput): Promise<void> {
  const { context, reply, start } = input;
  const { config, metrics } = context;
  const labels = { transport: 'sse' } as const;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, SSE_HEADERS);
  const sink = new SseSink({
    response,
    heartbeatMs: config.heartbeatMs,
    onBytes: (bytes) => metrics.bytesSent.inc(labels, bytes),
  });
  sink.writeText(encodeSseRetry(RETRY_MS));
  const controller = new AbortController();
  response.on('close', () => controller.abort(new ClientGone()));
  const unregister = context.deliveries.add({ close: (reason) => controller.abort(reason) });
  metrics.connections.inc(labels);
  const session = new DeliverySession({
    source: start.source,
    sink,
    from: start.from,
    window: config.window,
    chunking: input.policy,
    autoAck: input.autoAck,
    stallTimeoutMs: config.stallTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    signal: controller.signal,
    observer: {
      sent: (chunk, appendedAt) => {
        const items = chunk.kind === 'tokens' ? chunk.to - chunk.from : 1;
        metrics.itemsSent.inc(labels, items);
        metrics.chunkItems.observe(labels, items);
        metrics.deliveryLag.observe(labels, Math.max(0, Date.now() - appendedAt) / 1_000);
      },
      stalled: () => metrics.windowStalls.inc(labels),
    },
  });
  const stopAcks = await start.watchAcks?.((offset) => session.ack(offset));
  try {
    await session.run();
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (!(reason instanceof ClientGone)) reportFailure(context, sink, reason, input.streamId);
  } finally {
    unregister();
    metrics.connections.dec(labels);
    await stopAcks?.();
    sink.end();
  }
}

function reportFailure(
  context: GatewayContext,
  sink: SseSink,
  reason: unknown,
  streamId: string,
): void {
  const error = isSpoolError(reason)
    ? reason
    : new SpoolError('internal', undefined, { cause: reason });
  if (error.code === 'slow_consumer') context.metrics.slowConsumers.inc({ transport: 'sse' });
  if (error.code === 'redis_unavailable') context.metrics.redisErrors.inc();
  if (error.code === 'internal')
    context.logger.error({ err: reason, stream: streamId }, 'SSE delivery failed');
  else context.logger.info({ stream: streamId, code: error.code }, 'SSE delivery closed');
  sink.writeText(encodeSseProtocolError({ code: error.code, message: error.message }));
}

class ClientGone extends Error {
  constructor() {
    super('The client closed the connection.');
  }
}
