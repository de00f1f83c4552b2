/**
 * One SSE response driven by the delivery runner, in Spool's format or another (OpenAI's):
 * shared by `GET /v1/streams/:id/events` and `POST /v1/chat/completions`.
 *
 * The caller has checked everything that can be refused (so a refusal was an ordinary JSON
 * error). The response names the stream's epoch in `X-Spool-Epoch`, and every event id carries
 * it (`<offset>:<epoch>`); `X-Spool-Heartbeat-Ms` tells how often something is sent at least. From here on a failure is an error event without `id:` and the response ends; the
 * client resumes with `Last-Event-ID` on any gateway.
 */
import {
  type Chunk,
  EPOCH_HEADER,
  type ErrorCode,
  encodeSseChunk,
  encodeSseProtocolError,
  encodeSseRetry,
  HEARTBEAT_HEADER,
} from '@spool/protocol';
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.ts';
import type { ChunkingPolicy } from '../delivery/chunking-policy.ts';
import { ClientGone } from '../delivery/delivery-failure.ts';
import { runDelivery } from '../delivery/delivery-runner.ts';
import type { DeliveryStart } from '../delivery/delivery-start.ts';
import { clientOf } from '../http/client-identity.ts';
import { SSE_HEADERS, SseSink } from './sse-sink.ts';

const RETRY_MS = 1_000;

/** How chunks and protocol errors are written. */
export interface SseFormat {
  encode(chunk: Chunk): string;
  encodeError(error: { code: ErrorCode; message: string }): string;
  /** Set when `encode` depends on the chunk alone: readers of a stream share its encodings. */
  shareKey?: string;
}

/** Spool's own events; their ids carry the delivery's epoch. */
export function spoolSseFormat(epoch: string): SseFormat {
  return {
    encode: (chunk) => encodeSseChunk(chunk, epoch),
    encodeError: encodeSseProtocolError,
    shareKey: `sse:${epoch}`,
  };
}

export interface SseDeliveryInput {
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
  /** The window the client asked for (`?window=`); `SPOOL_WINDOW` when absent. */
  window?: number | undefined;
}

/** Delivers until `end` has been sent, the client went away, or the delivery failed. */
export async function deliverSse(input: SseDeliveryInput): Promise<void> {
  const { context, reply } = input;
  const { config, metrics } = context;
  const format = input.format ?? spoolSseFormat(input.start.epoch);
  const labels = { transport: 'sse' } as const;
  // Headers set by hooks (CORS) are kept: a hijacked reply writes its head itself.
  const hookHeaders = reply.getHeaders() as Record<string, string | number | string[]>;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...hookHeaders,
    ...SSE_HEADERS,
    [EPOCH_HEADER]: input.start.epoch,
    // The client's liveness bound derives from it (liveness.ts): a silent response is dropped.
    [HEARTBEAT_HEADER]: String(config.heartbeatMs),
    ...input.headers,
  });
  const bytesSent = metrics.bytesSent.labels(labels);
  const { shareKey } = format;
  const leave = shareKey === undefined ? undefined : context.encodings.join(input.streamId);
  const sink = new SseSink({
    response,
    heartbeatMs: config.heartbeatMs,
    onBytes: (bytes) => bytesSent.inc(bytes),
    encode:
      shareKey === undefined
        ? format.encode
        : (chunk) => context.encodings.encode(input.streamId, shareKey, chunk, format.encode),
  });
  sink.writeText(encodeSseRetry(RETRY_MS));
  const controller = new AbortController();
  response.on('close', () => controller.abort(new ClientGone()));
  const unregister = context.deliveries.add({
    client: clientOf(input.reply.request),
    close: (reason) => controller.abort(reason),
  });
  metrics.connections.inc(labels);
  try {
    const outcome = await runDelivery(context, {
      transport: 'sse',
      streamId: input.streamId,
      start: input.start,
      sink,
      window: input.window ?? config.window,
      chunking: input.policy,
      autoAck: input.autoAck,
      signal: controller.signal,
    });
    if (!outcome.ended && outcome.error) sink.writeText(format.encodeError(outcome.error));
  } finally {
    unregister();
    metrics.connections.dec(labels);
    sink.end();
    leave?.();
  }
}
