import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Real processes on a 2-core machine: one file at a time, generous timeouts.
  test: { testTimeout: 60_000, hookTimeout: 30_000, fileParallelism: false },
});
