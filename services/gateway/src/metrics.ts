/**
 * The gateway's Prometheus metrics (prom-client), one registry per app so tests stay apart.
 */
import { createStageHistogram } from '@spool/runtime';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type Transport = 'sse' | 'ws' | 'grpc';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const transport = ['transport'] as const;
  return {
    registry,
    /** `spool_stage_seconds{stage}`: `enqueue` and `notify` here, the rest on the workers. */
    stages: createStageHistogram(registry),
    connections: new Gauge({
      name: 'spool_connections',
      help: 'Open delivery connections.',
      labelNames: transport,
      registers: [registry],
    }),
    itemsSent: new Counter({
      name: 'spool_items_sent_total',
      help: 'Items delivered to clients.',
      labelNames: transport,
      registers: [registry],
    }),
    bytesSent: new Counter({
      name: 'spool_bytes_sent_total',
      help: 'Bytes written to delivery connections.',
      labelNames: transport,
      registers: [registry],
    }),
    chunkItems: new Histogram({
      name: 'spool_chunk_items',
      help: 'Items per chunk (one transport message).',
      labelNames: transport,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    deliveryLag: new Histogram({
      name: 'spool_delivery_lag_seconds',
      help: 'Time from an item being appended to it being written to a client.',
      labelNames: transport,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    windowStalls: new Counter({
      name: 'spool_window_stalls_total',
      help: 'Times a connection waited for acks or a drain.',
      labelNames: transport,
      registers: [registry],
    }),
    slowConsumers: new Counter({
      name: 'spool_slow_consumer_closes_total',
      help: 'Connections closed as slow consumers (resumable).',
      labelNames: transport,
      registers: [registry],
    }),
    resumes: new Counter({
      name: 'spool_resumes_total',
      help: 'Deliveries that started after offset 0 or from a subscription.',
      labelNames: transport,
      registers: [registry],
    }),
    redisErrors: new Counter({
      name: 'spool_redis_errors_total',
      help: 'Token log calls that failed because Redis was unreachable.',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'spool_admission_rejected_total',
      help: 'Requests refused with 429.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
