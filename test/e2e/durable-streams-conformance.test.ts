/**
 * The Durable Streams conformance suite (`@durable-streams/server-conformance-tests@0.3.6`, ~340
 * black-box HTTP tests) against a live gateway process on a real Redis: one server, or the
 * 3-master Cluster under `E2E_REDIS=cluster` (test:cluster). Long-polls wait
 * `SPOOL_DS_LONG_POLL_MS` (short here, so the suite runs fast). Tests on the skip list
 * (e2e/durable-streams-skips.ts) are left out by the name filter of vitest.config.ts.
 */
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { getTestRedis, type TestRedis } from '@spool/testing';
import { afterAll, beforeAll } from 'vitest';
import { e2eTopology, TestSystem } from '../support/system.ts';

const LONG_POLL_MS = 500;

const options = { baseUrl: '', longPollTimeoutMs: LONG_POLL_MS };
let redis: TestRedis | undefined;
let system: TestSystem | undefined;
let startedAt = 0;

beforeAll(async () => {
  redis = await getTestRedis({ topology: e2eTopology() });
  system = new TestSystem({ redis });
  const gateway = await system.startGateway({
    SPOOL_DS_LONG_POLL_MS: String(LONG_POLL_MS),
    SPOOL_DS_SSE_MAX_MS: '5000',
    SPOOL_CORS_ORIGINS: '*',
    // The suite appends 10 MiB in one POST and accepts 413, but a 413 answered before the body
    // is read reaches undici as EPIPE: allow the body (64 MiB is the setting's ceiling).
    SPOOL_MAX_BODY_BYTES: String(16 << 20),
  });
  options.baseUrl = gateway.url;
  startedAt = performance.now();
});

afterAll(async () => {
  const seconds = ((performance.now() - startedAt) / 1_000).toFixed(1);
  console.log(`Durable Streams conformance on ${e2eTopology()} Redis: ${seconds} s`);
  await system?.stop();
  await redis?.stop();
});

runConformanceTests(options);
