import { defineConfig } from 'vitest/config';
import { SKIPPED_CONFORMANCE_TESTS } from './e2e/durable-streams-skips.ts';

/** Every test name except the conformance tests on the skip list. */
function withoutSkipped(): RegExp | undefined {
  if (SKIPPED_CONFORMANCE_TESTS.length === 0) return undefined;
  const names = SKIPPED_CONFORMANCE_TESTS.map(({ name }) =>
    name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(`^(?!(?:${names.join('|')})$)`);
}

const testNamePattern = withoutSkipped();

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
