/**
 * The wait of a non-streaming answer (`POST /v1/chat/completions` and `POST /v1/messages`
 * without `stream`): the whole stream folded, or nothing when the client went away. The wait
 * counts as a delivery (`SPOOL_MAX_CONNECTIONS`, drain ends it with `draining`) and is bounded
 * by `timeoutMs` (then `upstream_timeout`; the generation goes on).
 */
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { ClientGone } from '../delivery/delivery-failure.ts';
import { foldStream, type StreamFold } from '../streams/fold-stream.ts';
import { clientOf } from './client-identity.ts';

/** How long a non-streaming request waits for its stream to end. */
export const COMPLETION_TIMEOUT_MS = 10 * 60_000;

/** The folded stream; undefined when the client left (the reply is then hijacked: no answer). */
export async function foldForReply<Fold extends StreamFold>(
  context: GatewayContext,
  reply: FastifyReply,
  streamId: string,
  newFold: () => Fold,
  timeoutMs = COMPLETION_TIMEOUT_MS,
): Promise<Fold | undefined> {
  const controller = new AbortController();
  const onClose = () => controller.abort(new ClientGone());
  reply.raw.once('close', onClose);
  const unregister = context.deliveries.add({
    client: clientOf(reply.request),
    close: (reason) => controller.abort(reason),
  });
  try {
    return await foldStream(context, streamId, newFold, { timeoutMs, signal: controller.signal });
  } catch (error) {
    if (!(error instanceof ClientGone)) throw error;
    reply.hijack(); // The client is gone: there is no one to answer.
    return undefined;
  } finally {
    reply.raw.off('close', onClose);
    unregister();
  }
}
