/**
 * The streaming answer of a request that created a stream in another API's shape
 * (`POST /v1/chat/completions`, `POST /v1/messages` with `stream: true`, the AI SDK chat): the
 * stream from offset 0 (or `from`), in that API's SSE format, through the same delivery as
 * `GET /v1/streams/:id/events`. Both that answer and the non-streaming one name the stream in
 * `X-Spool-Stream-Id`.
 */
import type { Chunking } from '@spool/protocol';
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { type DeliveryStart, deliveryStart } from '../delivery/delivery-start.ts';
import { deliverSse, type SseFormat } from './sse-delivery.ts';

export const STREAM_ID_HEADER = 'X-Spool-Stream-Id';

export async function streamCreatedStream(
  context: GatewayContext,
  reply: FastifyReply,
  streamId: string,
  format: (start: DeliveryStart) => Promise<SseFormat>,
  options: { from?: number; chunking?: Chunking; headers?: Record<string, string> } = {},
): Promise<void> {
  const start = await deliveryStart(context, streamId, { kind: 'offset', from: options.from ?? 0 });
  await deliverSse({
    context,
    reply,
    streamId,
    start,
    autoAck: true,
    policy: chunkingPolicy(options.chunking, context.config.maxChunkItems),
    format: await format(start),
    headers: { ...options.headers, [STREAM_ID_HEADER]: streamId },
  });
}
