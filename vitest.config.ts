import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects, one rule: a test file named `*.int.test.ts` is an integration suite, every other
 * `*.test.ts` a unit suite, wherever it lives in test/ (which mirrors the sources).
 *
 * - integration: needs something outside the test process: real PostgreSQL/MariaDB, Alertmanager,
 *   promtool, Chromium, or a child process (node/tsx, the built CLI, the examples).
 * - unit: runs inside the test process only (in-process loopback servers and the embedded
 *   DuckDB/SQLite included), so `npm run test:unit` needs neither `npm run servers` nor a build.
 *
 * - load: `*.load.test.ts`, suites that judge a paced workload's health (alerts, cache ratio, error
 *   count) and so need the machine to themselves: they run after the other two, alone.
 *
 * `npm test` (and so CI) runs all three.
 */
const INTEGRATION_FILES = 'test/**/*.int.test.ts';
const LOAD_FILES = 'test/**/*.load.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share real servers and ports; files run in separate forks.
    pool: 'forks',
    // Worker limits are global: both projects share the two workers.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, INTEGRATION_FILES, LOAD_FILES] },
      },
      { extends: true, test: { name: 'integration', include: [INTEGRATION_FILES] } },
      { extends: true, test: { name: 'load', include: [LOAD_FILES], sequence: { groupOrder: 1 } } },
    ],
  },
});
