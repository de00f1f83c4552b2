import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createStageHistogram, STAGE_BUCKETS_SECONDS, STAGE_METRIC_NAME } from './stage-metrics.ts';

describe('createStageHistogram', () => {
  it('exposes spool_stage_seconds with a stage label and buckets from 0.5 ms to 30 s', async () => {
    const registry = new Registry();
    const stages = createStageHistogram(registry);
    stages.observe('queue_wait', 0.002);
    stages.observe('first_append', 0.0004);
    const text = await registry.metrics();
    expect(text).toContain(`# TYPE ${STAGE_METRIC_NAME} histogram`);
    expect(text).toContain(`${STAGE_METRIC_NAME}_bucket{le="0.0005",stage="first_append"} 1`);
    expect(text).toContain(`${STAGE_METRIC_NAME}_bucket{le="0.0025",stage="queue_wait"} 1`);
    expect(text).toContain(`${STAGE_METRIC_NAME}_bucket{le="30",stage="queue_wait"} 1`);
    expect(STAGE_BUCKETS_SECONDS[0]).toBe(0.0005);
    expect(STAGE_BUCKETS_SECONDS.at(-1)).toBe(30);
  });

  it('shares one histogram when a gateway and a worker register on the same registry', async () => {
    const registry = new Registry();
    createStageHistogram(registry).observe('enqueue', 0.001);
    createStageHistogram(registry).observe('queue_wait', 0.001);
    const text = await registry.metrics();
    expect(text).toContain(`${STAGE_METRIC_NAME}_count{stage="enqueue"} 1`);
    expect(text).toContain(`${STAGE_METRIC_NAME}_count{stage="queue_wait"} 1`);
  });
});
