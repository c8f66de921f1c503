import { defineConfig } from 'vitest/config';

/** Browser tests: real Chromium (Debian's) driven by playwright-core against a running federation. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
