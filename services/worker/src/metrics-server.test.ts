import { describe, expect, it } from 'vitest';
import { createWorkerMetrics } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';

describe('the worker metrics endpoint', () => {
  it('serves the Prometheus text on GET /metrics and 404 elsewhere', async () => {
    const metrics = createWorkerMetrics();
    metrics.stages.observe('queue_wait', 0.003);
    metrics.running.inc();
    const server = await startMetricsServer({
      registry: metrics.registry,
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('spool_stage_seconds_bucket{le="0.005",stage="queue_wait"} 1');
      expect(text).toContain('spool_generations_running 1');
      expect(text).toContain('spool_appends_total 0');
      expect((await fetch(`${server.url}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('fails to start when its port is taken', async () => {
    const registry = createWorkerMetrics().registry;
    const first = await startMetricsServer({ registry, host: '127.0.0.1', port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      await expect(startMetricsServer({ registry, host: '127.0.0.1', port })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
