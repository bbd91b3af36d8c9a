#!/usr/bin/env node
// Builds what the runtime needs from a checkout: the CLI/host bundle (dist/cli.mjs), the
// prebuilt Temporal workflow bundle (dist/workflow-bundle.js) and the renderer (dist/renderer).
// Steps whose inputs have not changed since the last build are skipped.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');
const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const quiet = args.has('--quiet');
const log = (m) => quiet || process.stderr.write(`[build] ${m}\n`);

fs.mkdirSync(dist, { recursive: true });
const stamps = fs.existsSync(stampFile) ? JSON.parse(fs.readFileSync(stampFile, 'utf8')) : {};

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}
function fingerprint(dirs, files = []) {
  const h = crypto.createHash('sha256');
  const all = [...dirs.flatMap((d) => walk(path.join(root, d))), ...files.map((f) => path.join(root, f))].filter((f) => fs.existsSync(f)).sort();
  for (const f of all) {
    const st = fs.statSync(f);
    h.update(`${path.relative(root, f)}:${st.size}:${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}
async function step(name, output, inputs, fn) {
  const fp = fingerprint(inputs.dirs, inputs.files);
  if (!force && stamps[name] === fp && fs.existsSync(output)) return log(`${name}: up to date`);
  const t = Date.now();
  await fn();
  stamps[name] = fp;
  fs.writeFileSync(stampFile, JSON.stringify(stamps, null, 2));
  log(`${name}: built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

await step('cli', path.join(dist, 'cli.mjs'), { dirs: ['core'], files: ['package.json'] }, () =>
  fs.rmSync(path.join(dist, 'chunks'), { recursive: true, force: true }) ||
  build({
    // host-process: the desktop app's runtime process entry, runnable with Node's fork (tests).
    entryPoints: { cli: path.join(root, 'core/cli/main.ts'), 'host-process': path.join(root, 'core/host/process/entry.ts') },
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Commands load their heavy modules on demand: `vigil doctor` must not pay for the Temporal SDK.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    // CommonJS dependencies loaded from an ES module still expect require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  }),
);

await step('workflows', path.join(dist, 'workflow-bundle.js'), { dirs: ['core/workflows', 'core/paper', 'core/research', 'core/ledger', 'core/orders', 'core/domain', 'core/indicators', 'core/trading', 'core/risk', 'core/analytics', 'core/agents', 'core/backtest', 'core/market'], files: ['package.json'] }, async () => {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const silent = { trace() {}, debug() {}, info() {}, log() {}, warn: (m) => log(m), error: (m) => log(m) };
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'core/workflows/index.ts'), logger: silent });
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
});

const viteConfig = path.join(root, 'renderer/vite.config.ts');
if (fs.existsSync(viteConfig) && !args.has('--no-renderer')) {
  await step('renderer', path.join(dist, 'renderer', 'index.html'), { dirs: ['renderer', 'core/api', 'core/domain', 'core/paper', 'core/market', 'core/ledger', 'core/backtest'] }, async () => {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', viteConfig, '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('renderer build failed');
  });
} else log('renderer: no renderer/vite.config.ts yet, skipped');
