import { defineConfig } from 'vitest/config';

// Integration tests start real redis-server processes and a 3-node cluster (~2 s to be ok).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
