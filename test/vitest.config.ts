import { defineConfig } from 'vitest/config';
import { SKIPPED_CONFORMANCE_TESTS, withoutSkipped } from './e2e/durable-streams-skips.ts';

// Conformance tests on the skip list are left out by name (e2e/durable-streams-skips.ts).
const testNamePattern = withoutSkipped(SKIPPED_CONFORMANCE_TESTS);

export default defineConfig({
  // The conformance suite imports `vitest` itself (it wants 4.x): one instance, the runner's.
  resolve: { dedupe: ['vitest'] },
  test: {
    // Real processes on a 2-core machine: one file at a time, generous timeouts.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    fileParallelism: false,
    server: { deps: { inline: [/@durable-streams\/server-conformance-tests/] } },
    ...(testNamePattern === undefined ? {} : { testNamePattern }),
  },
});
