/**
 * One delivery of one stream to one client, the same for every transport (SSE, WebSocket and
 * the surfaces built on them): the session with its window and chunking, the metrics it feeds,
 * acknowledgements made through any gateway (subscriptions), resume counting, and why it
 * stopped. A transport supplies the sink (how chunks are written) and the signal (when its
 * client left); it is told what to say to the client when the delivery fails.
 */
import type { SpoolError } from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import type { Transport } from '../metrics.ts';
import type { ChunkingPolicy } from './chunking-policy.ts';
import { reportFailure } from './delivery-failure.ts';
import { DeliverySession, type DeliverySink } from './delivery-session.ts';
import type { DeliveryStart } from './delivery-start.ts';

export interface DeliveryRun {
  transport: Transport;
  streamId: string;
  start: DeliveryStart;
  sink: DeliverySink;
  /** Most items sent and not acknowledged. */
  window: number;
  chunking: ChunkingPolicy;
  /** Plain SSE: what the transport accepted counts as acknowledged. */
  autoAck: boolean;
  /** Aborts when the client left or the gateway drains; its reason is why. */
  signal: AbortSignal;
  /** Receives the session before it runs (a transport with an ack channel acks through it). */
  onSession?: (session: DeliverySession) => void;
}

/** `ended`: the stream's `end` was sent. Otherwise `error` is what to tell the client, if anyone. */
export type DeliveryOutcome = { ended: true } | { ended: false; error: SpoolError | undefined };

export async function runDelivery(
  context: Pick<GatewayContext, 'config' | 'metrics' | 'logger' | 'deliveries'>,
  run: DeliveryRun,
): Promise<DeliveryOutcome> {
  const { config, metrics } = context;
  const { start, signal } = run;
  const labels = { transport: run.transport };
  if (start.resumed) metrics.resumes.inc(labels);
  // Label children, looked up once per delivery rather than once per chunk.
  const itemsSent = metrics.itemsSent.labels(labels);
  const chunkItems = metrics.chunkItems.labels(labels);
  const deliveryLag = metrics.deliveryLag.labels(labels);
  const windowStalls = metrics.windowStalls.labels(labels);
  const session = new DeliverySession({
    source: start.source,
    sink: run.sink,
    from: start.from,
    window: run.window,
    chunking: run.chunking,
    autoAck: run.autoAck,
    stallTimeoutMs: config.stallTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    signal,
    observer: {
      sent: (chunk, appendedAt) => {
        const items = chunk.kind === 'tokens' ? chunk.to - chunk.from : 1;
        itemsSent.inc(items);
        chunkItems.observe(items);
        deliveryLag.observe(Math.max(0, Date.now() - appendedAt) / 1_000);
      },
      stalled: () => windowStalls.inc(),
      received: (appendedAt) =>
        metrics.stages.observe('notify', Math.max(0, Date.now() - appendedAt) / 1_000),
    },
  });
  run.onSession?.(session);
  let stopAcks: (() => Promise<void>) | undefined;
  let leaveStream: (() => void) | undefined;
  try {
    leaveStream = context.deliveries.enterStream(
      run.streamId,
      config.bounds.maxSubscribersPerStream,
    );
    stopAcks = await start.watchAcks?.((offset) => session.ack(offset));
    await session.run();
    return { ended: true };
  } catch (error) {
    const reason = signal.aborted ? signal.reason : error;
    return {
      ended: false,
      error: reportFailure(context, { transport: run.transport, reason, streamId: run.streamId }),
    };
  } finally {
    leaveStream?.();
    await stopAcks?.();
  }
}
