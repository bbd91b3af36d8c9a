import { defineConfig } from 'vitest/config';

// Four tiers, each with the network guard (tests/setup/net-guard.ts): a test that tries to reach
// anything but loopback fails. Temporal tiers run in the forks pool (workers use worker threads and a native
// addon) one file at a time, so each suite can own its dev server on a 2-core machine.
const setupFiles = ['tests/setup/net-guard.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'bin/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/setup/**/*.test.ts', 'tests/support/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          environment: 'node',
          setupFiles,
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['core/**/*.int.test.ts', 'tests/integration/**/*.int.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          globalSetup: ['tests/setup/temporal-cli.ts'],
          setupFiles,
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'reliability',
          include: ['tests/reliability/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          globalSetup: ['tests/setup/temporal-cli.ts'],
          setupFiles,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          globalSetup: ['tests/setup/temporal-cli.ts'],
          setupFiles,
          testTimeout: 240_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
