import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: sharp and the browser tests are CPU-heavy, so keep file parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
