import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share real servers and ports; files run in separate forks.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
