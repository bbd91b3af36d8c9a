import tseslint from 'typescript-eslint';

const forbiddenInWorkflows = [
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads'], message: 'Workflows are deterministic: no Node APIs. Do I/O in an activity.' },
  { group: ['electron', 'electron/*'], message: 'Workflows must not import Electron.' },
  { group: ['better-sqlite3', 'drizzle-orm', 'drizzle-orm/*'], message: 'Workflows must not touch the database: use an activity.' },
  { group: ['openai', 'openai/*', 'langfuse', 'ws'], message: 'Workflows must not call networks: use an activity.' },
  { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow.' },
  { group: ['**/activities/*', '!**/activities/types', '**/activities', './activities', '**/*.activities'], message: 'Workflows import activity types only: `import type` via proxyActivities<typeof ...>.', allowTypeImports: true },
  { group: ['**/handlers', '**/handlers/*', '**/store', '**/research/runner', './runner'], message: 'Workflows must not import host-side modules.' },
  { group: ['**/runtime/*', '**/host/*', '**/ledger/db*', '**/exchange/*', '**/orders/agent-orders', '**/orders/book-guard'], message: 'Workflows must not import host-side modules.', allowTypeImports: true },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'e2e/artifacts/**', 'bench/peers/**', 'bench/results/**', 'drizzle/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    // Workflow code wherever it lives: core/workflows/ and every capability's *.workflow.ts.
    files: ['core/workflows/**/*.ts', 'core/**/*.workflow.ts'],
    ignores: ['core/workflows/**/*.test.ts', 'core/workflows/**/*.int.test.ts', 'core/**/*.workflow.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbiddenInWorkflows }],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process in workflows.' }, { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Workflow time is deterministic, but prefer workflowInfo()/activity results for clarity.' }, { object: 'Math', property: 'random', message: 'Use a seeded source or uuid4() from @temporalio/workflow.' }],
    },
  },
);
