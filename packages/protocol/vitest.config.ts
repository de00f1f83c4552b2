import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The tests are pure (no I/O, no shared mutable state), so one module graph per worker is
    // safe, and it spares loading zod once per test file: the suite runs in about a second.
    isolate: false,
  },
});
