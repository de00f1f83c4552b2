/**
 * Liveness, readiness and metrics. These stay open while the gateway drains (app.ts), so a load
 * balancer sees readiness fail and a scraper still reads the last figures.
 */
import { HTTP_ROUTES, SpoolError } from '@spool/protocol';
import { withTimeout } from '@spool/runtime';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Gauge } from 'prom-client';
import type { GatewayContext } from '../context.ts';
import { sendError } from '../http/errors.ts';

/** The longest readiness waits for Redis to answer a ping. */
export const READY_PING_TIMEOUT_MS = 1_000;

export function registerHealthRoutes(app: FastifyInstance): void {
  registerQueueGauges(app.spool);
  app.get(HTTP_ROUTES.healthz.path, async () => ({ status: 'ok' }));
  app.get(HTTP_ROUTES.readyz.path, (_request, reply) => ready(app.spool, reply));
  app.get<{ Querystring: { gc?: string } }>(HTTP_ROUTES.metrics.path, async (request, reply) => {
    const { admission, metrics } = app.spool;
    // Memory tests start the gateway with --expose-gc and ask for a collection first, so the
    // heap figure is what is retained, not garbage waiting for the next GC.
    const collect = (globalThis as { gc?: () => void }).gc;
    if (request.query.gc === '1' && collect) collect();
    // Refreshes the queue gauges (one cached, bounded read); a scrape still answers without it.
    await admission.currentDepth().catch(() => undefined);
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

async function ready(context: GatewayContext, reply: FastifyReply): Promise<FastifyReply> {
  if (context.draining) return sendError(reply, new SpoolError('draining'));
  try {
    await withTimeout(context.ping(), {
      timeoutMs: READY_PING_TIMEOUT_MS,
      onTimeout: () => new Error(`no answer within ${READY_PING_TIMEOUT_MS} ms`),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return sendError(reply, new SpoolError('redis_unavailable', `Redis did not answer: ${reason}`));
  }
  return reply.send({ status: 'ready' });
}

/** Queue depth gauges: admission's latest reading, taken at scrape time (see /metrics). */
function registerQueueGauges(context: GatewayContext): void {
  const { registry } = context.metrics;
  const gauges = [
    {
      name: 'spool_queue_waiting',
      help: 'Generations waiting for a worker (last reading).',
      field: 'waiting',
    },
    {
      name: 'spool_queue_active',
      help: 'Generations running on workers (last reading).',
      field: 'active',
    },
  ] as const;
  for (const { name, help, field } of gauges) {
    if (registry.getSingleMetric(name) !== undefined) continue; // A registry shared by two apps.
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const depth = context.admission.lastDepth;
        if (depth !== undefined) this.set(depth[field]);
      },
    });
  }
}
