import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import reactHooks from 'eslint-plugin-react-hooks';

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

/*
 * The layers, lowest first. A file may import its own layer and the layers its policy below names;
 * anything else fails `npm run lint` (boundaries/dependencies), and a file in no layer fails too
 * (boundaries/no-unknown-files). The first pattern that matches a file decides its layer, so the
 * exceptions come before the folders they are in. docs/architecture.md ("Layers") describes the
 * same table; change both together.
 *
 *   domain     core/domain: Dec, percent, product ids, workflow ids, market types (pure)
 *   kernel     the pure parts of the capability folders (CAPABILITIES): a file in one of those folders
 *              is a kernel unless a rule below names it; kernels (and the domain) may not import Node
 *              built-ins, SQLite, network or Temporal client packages, so a side-effecting file must
 *              be listed in SERVICES
 *   contract   core/api (verbs, events, the bus interface) and a capability's api.ts / contract.ts
 *   workflow   core/workflows and every *.workflow.ts: deterministic
 *   service    side-effecting modules that activities and handlers are built over: core/runtime,
 *              core/exchange, and the capability files in SERVICES (SQLite stores, exchange and model
 *              clients, feeds, data files, runners)
 *   activity   core/activities and a capability's activities.ts or activities/ folder (core/agents/activities/)
 *   handlers   core/host/handlers, core/host/handler-deps.ts and a capability's handlers.ts
 *   host, cli, mcp, electron   the processes (a capability's cli.ts is cli, and so are
 *              core/backtest/cli-local.ts, the CLI's in-process backtest runner, and the production
 *              ledger's command groups core/ledger/cli-*.ts); the MCP bridge does not import the CLI
 *   renderer   renderer/src: domain and kernels; the contract as `import type` only
 *   testing    core/testing: the local fake servers (domain, kernel, contract, service)
 * Workflows import activities and services as `import type` only.
 *
 * When a capability folder is added or renamed, change CAPABILITIES (one entry) and the SERVICES
 * entries of the files that moved; the file-name conventions below (api.ts, contract.ts,
 * activities.ts or an activities/ folder, handlers.ts, cli.ts, *.workflow.ts) classify the rest.
 */
const CAPABILITIES = ['agents', 'alerts', 'analytics', 'backtest', 'indicators', 'ledger', 'market', 'orders', 'paper', 'research', 'risk', 'trading'];
const CAP = `core/{${CAPABILITIES.join(',')}}`;

const SERVICES = [
  'core/runtime/**',
  'core/exchange/**',
  'core/agents/llm/client.ts',
  'core/agents/llm/models.ts',
  'core/agents/llm/tracing.ts',
  'core/agents/prompts.ts',
  'core/agents/store.ts',
  'core/agents/tools.ts',
  'core/alerts/service.ts',
  'core/alerts/settings.ts',
  'core/alerts/store.ts',
  'core/alerts/webhook.ts',
  'core/backtest/model-driver.ts',
  'core/backtest/runner.ts',
  'core/backtest/store.ts',
  // the production ledger: SQLite, behind the Ledger facade (core/ledger/ledger.ts)
  'core/ledger/connection.ts',
  'core/ledger/db.ts',
  'core/ledger/events.ts',
  'core/ledger/ids.ts',
  'core/ledger/journal.ts',
  'core/ledger/keys.ts',
  'core/ledger/ledger.ts',
  'core/ledger/orders.ts',
  'core/ledger/reconcile.ts',
  'core/ledger/reservations.ts',
  'core/ledger/router.ts',
  'core/ledger/schema.ts',
  'core/ledger/settings.ts',
  'core/ledger/wallets.ts',
  'core/market/calibrate.ts',
  'core/market/feed-manager.ts',
  'core/market/sim-clock.ts',
  'core/market/coinbase/rest.ts',
  'core/market/coinbase/ws.ts',
  'core/market/data/columns.ts',
  'core/market/data/datasets.ts',
  'core/market/data/download-state.ts',
  'core/market/data/download.ts',
  'core/market/data/import.ts',
  'core/market/feeds/coinbase.ts',
  'core/market/feeds/replay.ts',
  'core/market/feeds/simulated.ts',
  'core/orders/agent-orders.ts',
  'core/orders/book-guard.ts',
  'core/research/arena-run.ts',
  'core/research/bias.ts',
  'core/research/runner.ts',
  'core/research/store.ts',
  'core/research/twin-run.ts',
];

const LAYERS = [
  { type: 'domain', pattern: ['core/domain/**'] },
  // The push events' schemas: the renderer parses every event with them where it enters.
  { type: 'events', pattern: ['core/api/events.ts'] },
  { type: 'contract', pattern: ['core/api/**', `${CAP}/**/api.ts`, `${CAP}/**/contract.ts`] },
  { type: 'workflow', pattern: ['core/workflows/**', 'core/**/*.workflow.ts'] },
  { type: 'activity', pattern: ['core/activities/**', `${CAP}/**/activities.ts`, `${CAP}/**/activities/**`] },
  { type: 'handlers', pattern: ['core/host/handlers/**', 'core/host/handler-deps.ts', `${CAP}/**/handlers.ts`, 'core/paper/start.ts'] },
  { type: 'host', pattern: ['core/host/**'] },
  { type: 'cli', pattern: ['core/cli/**', `${CAP}/**/cli.ts`, 'core/backtest/cli-local.ts', 'core/ledger/cli-*.ts'] },
  { type: 'mcp', pattern: ['core/mcp/**'] },
  { type: 'electron', pattern: ['electron/**'] },
  { type: 'renderer', pattern: ['renderer/src/**'] },
  { type: 'testing', pattern: ['core/testing/**'] },
  { type: 'service', pattern: SERVICES },
  { type: 'kernel', pattern: [`${CAP}/**`] },
].map((l) => ({ ...l, mode: 'full' }));

/** What each layer may import besides itself. */
const below = {
  domain: [],
  kernel: ['domain'],
  events: ['domain', 'kernel', 'contract'],
  contract: ['domain', 'kernel', 'events'],
  workflow: ['domain', 'kernel'],
  service: ['domain', 'kernel', 'contract', 'events', 'workflow'],
  activity: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service'],
  handlers: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service', 'activity'],
  host: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service', 'activity', 'handlers'],
  cli: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service', 'activity', 'handlers', 'host', 'mcp'],
  mcp: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service', 'activity', 'handlers', 'host'],
  electron: ['domain', 'kernel', 'contract', 'events', 'workflow', 'service', 'activity', 'handlers', 'host'],
  renderer: ['domain', 'kernel', 'events'],
  testing: ['domain', 'kernel', 'contract', 'events', 'service'],
};
/** What a layer may import as `import type` only. */
const typesOnly = {
  workflow: ['activity', 'service'],
  renderer: ['contract'],
};

const layerPolicies = [
  ...Object.entries(below).map(([from, to]) => ({
    from: { element: { type: from } },
    allow: { to: { element: { type: [from, ...to] } } },
  })),
  ...Object.entries(typesOnly).map(([from, to]) => ({
    from: { element: { type: from } },
    allow: { to: { element: { type: to } }, dependency: { kind: 'type' } },
  })),
];

/** Kernels and the domain are pure: what makes a module a service is what it imports. */
const forbiddenInKernels = [
  { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads', 'url'], message: 'Kernels are pure: a module that needs Node is a service (list it in SERVICES in eslint.config.js).' },
  { group: ['electron', 'electron/*', 'better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'openai', 'openai/*', 'langfuse', 'ws', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Kernels are pure: a module that does I/O is a service (list it in SERVICES in eslint.config.js).' },
];
/** Every file that is classified before the kernel catch-all: what is left in CAP is a kernel. */
const NOT_KERNEL = LAYERS.filter((l) => l.type !== 'kernel' && l.type !== 'domain').flatMap((l) => l.pattern);

const resolver = createTypeScriptImportResolver({ project: 'tsconfig.json' });

const TESTS = ['**/*.test.ts', '**/*.test.tsx', 'tests/**', 'e2e/**', 'bench/**', 'scripts/**'];

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
    // Type-checked rules: every TypeScript file through the project it belongs to (tsconfig.node.json
    // or tsconfig.web.json, found through tsconfig.json's references); the three files in neither
    // get the node project's settings.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['renderer/vite.config.ts', 'scripts/*.ts'],
          defaultProject: 'tsconfig.node.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Layers that point one way, and no import cycles.
    files: ['core/**/*.ts', 'electron/**/*.ts', 'renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    ignores: TESTS,
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'boundaries/elements': LAYERS,
      // `mode: 'full'` matches each pattern against the whole file path, which is what lets a single
      // file be a service. eslint-plugin-boundaries 7 marks `mode` deprecated, but its suggested
      // replacement (`partialMatch: false`) matches folders only; without this the deprecation
      // notice is printed on every run.
      'boundaries/legacy-warnings': false,
      'boundaries/include': ['core/**', 'electron/**', 'renderer/src/**'],
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'import-x/resolver-next': [resolver],
      // Without these import-x parses no .ts file it resolves, and no-cycle sees no cycle at all.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }],
      'boundaries/no-unknown-files': 'error',
      // Cycles among the project's own files; walking into node_modules would only cost time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Kernels and the domain are pure (see forbiddenInKernels above).
    files: ['core/domain/**/*.ts', `${CAP}/**/*.ts`],
    ignores: [...NOT_KERNEL, ...TESTS],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbiddenInKernels }],
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
