/**
 * One SSE response driven by the delivery engine, in Spool's format or another (OpenAI's):
 * shared by `GET /v1/streams/:id/events` and `POST /v1/chat/completions`.
 *
 * The caller has checked everything that can be refused (so a refusal was an ordinary JSON
 * error). From here on a failure is an error event without `id:` and the response ends; the
 * client resumes with `Last-Event-ID` on any gateway.
 */
import {
  type Chunk,
  type ErrorCode,
  encodeSseChunk,
  encodeSseProtocolError,
  encodeSseRetry,
  isSpoolError,
  SpoolError,
} from '@spool/protocol';
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../app.ts';
import type { ChunkingPolicy } from '../delivery/chunking-policy.ts';
import { DeliverySession } from '../delivery/delivery-session.ts';
import type { DeliveryStart } from '../delivery/delivery-start.ts';
import { SSE_HEADERS, SseSink } from './sse-sink.ts';

const RETRY_MS = 1_000;

/** How chunks and protocol errors are written. */
export interface SseFormat {
  encode(chunk: Chunk): string;
  encodeError(error: { code: ErrorCode; message: string }): string;
}

export const SPOOL_SSE_FORMAT: SseFormat = {
  encode: encodeSseChunk,
  encodeError: encodeSseProtocolError,
};

export interface SseStreamInput {
  context: GatewayContext;
  reply: FastifyReply;
  streamId: string;
  start: DeliveryStart;
  /** Plain SSE: what the socket accepted counts as acknowledged. */
  autoAck: boolean;
  policy: ChunkingPolicy;
  format?: SseFormat;
  /** Response headers besides the SSE ones. */
  headers?: Record<string, string>;
}

/** Delivers until `end` has been sent, the client went away, or the delivery failed. */
export async function streamSse(input: SseStreamInput): Promise<void> {
  const { context, reply, start } = input;
  const { config, metrics } = context;
  const format = input.format ?? SPOOL_SSE_FORMAT;
  const labels = { transport: 'sse' } as const;
  // Headers set by hooks (CORS) are kept: a hijacked reply writes its head itself.
  const hookHeaders = reply.getHeaders() as Record<string, string | number | string[]>;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, { ...hookHeaders, ...SSE_HEADERS, ...input.headers });
  const sink = new SseSink({
    response,
    heartbeatMs: config.heartbeatMs,
    onBytes: (bytes) => metrics.bytesSent.inc(labels, bytes),
    encode: format.encode,
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
    if (!(reason instanceof ClientGone)) {
      sink.writeText(format.encodeError(reportFailure(context, reason, input.streamId)));
    }
  } finally {
    unregister();
    metrics.connections.dec(labels);
    await stopAcks?.();
    sink.end();
  }
}

/** Counts and logs why a delivery stopped; the error to tell the client. */
function reportFailure(context: GatewayContext, reason: unknown, streamId: string): SpoolError {
  const error = isSpoolError(reason)
    ? reason
    : new SpoolError('internal', undefined, { cause: reason });
  if (error.code === 'slow_consumer') context.metrics.slowConsumers.inc({ transport: 'sse' });
  if (error.code === 'redis_unavailable') context.metrics.redisErrors.inc();
  if (error.code === 'internal')
    context.logger.error({ err: reason, stream: streamId }, 'SSE delivery failed');
  else context.logger.info({ stream: streamId, code: error.code }, 'SSE delivery closed');
  return error;
}

class ClientGone extends Error {
  constructor() {
    super('The client closed the connection.');
  }
}
