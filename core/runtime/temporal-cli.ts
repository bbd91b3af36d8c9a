/**
 * Find or obtain the `temporal` CLI (which embeds the dev server), in this order:
 *   1. TEMPORAL_CLI_PATH
 *   2. `temporal` on PATH
 *   3. the project's cache: <cache dir>/temporal-cli/<version>/temporal
 *   4. a build from its Go module when `go` is present (minutes the first time, then cached)
 *   5. the Temporal SDK's own download (needs internet), copied into the cache
 * Each step that fails says why; the final error lists them all with what to do next.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export type CliSource = 'env' | 'path' | 'cache' | 'go-build' | 'sdk-download';

export interface ResolvedCli {
  path: string;
  source: CliSource;
  /** What `temporal --version` printed (first line). */
  version: string;
}

export interface ResolveOptions {
  version: string;
  cacheDir: string;
  envPath?: string | undefined;
  /** PATH to search; defaults to process.env.PATH. */
  searchPath?: string | undefined;
  allowBuild?: boolean;
  allowDownload?: boolean;
  onProgress?: (line: string) => void;
}

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export class TemporalCliNotFoundError extends Error {
  constructor(readonly attempts: string[]) {
    super(
      [
        'The Temporal CLI (which runs the embedded dev server) could not be found or obtained. Tried:',
        ...attempts.map((a) => `  - ${a}`),
        'Fix one of: set TEMPORAL_CLI_PATH to a temporal binary; install Go (https://go.dev/dl) so Vigil can build it;',
        'or connect to the internet once so the Temporal SDK can download it. Or point TEMPORAL_ADDRESS at a running cluster.',
      ].join('\n'),
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

export function cachedCliPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, 'temporal-cli', version, EXE);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function which(cmd: string, searchPath = process.env.PATH ?? ''): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const full = path.join(dir, cmd + ext);
      if (isExecutable(full)) return full;
    }
  }
  return null;
}

export function cliVersion(file: string): string | null {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return null;
  return (r.stdout || r.stderr).split('\n')[0]?.trim() || null;
}

export async function resolveTemporalCli(opts: ResolveOptions): Promise<ResolvedCli> {
  const attempts: string[] = [];
  const progress = opts.onProgress ?? (() => {});

  if (opts.envPath) {
    if (!isExecutable(opts.envPath)) {
      // An explicit setting that is wrong is an error, not something to silently skip.
      throw new TemporalCliNotFoundError([`TEMPORAL_CLI_PATH=${opts.envPath}: not an executable file`]);
    }
    const v = cliVersion(opts.envPath);
    if (!v) throw new TemporalCliNotFoundError([`TEMPORAL_CLI_PATH=${opts.envPath}: '--version' failed`]);
    return { path: opts.envPath, source: 'env', version: v };
  }
  attempts.push('TEMPORAL_CLI_PATH: not set');

  const onPath = which('temporal', opts.searchPath);
  if (onPath) {
    const v = cliVersion(onPath);
    if (v) return { path: onPath, source: 'path', version: v };
    attempts.push(`temporal on PATH (${onPath}): '--version' failed`);
  } else attempts.push('temporal on PATH: not found');

  const cached = cachedCliPath(opts.cacheDir, opts.version);
  if (isExecutable(cached)) {
    // The cache is versioned by path and only written by an atomic rename after a good build,
    // so a start does not pay for spawning `--version` (doctor asks for the real one).
    return { path: cached, source: 'cache', version: `v${opts.version} (cached build)` };
  }
  attempts.push(`cache ${cached}: not present`);

  if (opts.allowBuild !== false) {
    const go = which('go', opts.searchPath);
    if (go) {
      try {
        const built = await goBuild(go, opts.cacheDir, opts.version, progress);
        const v = cliVersion(built);
        if (v) return { path: built, source: 'go-build', version: v };
        attempts.push(`go build: produced ${built} but '--version' failed`);
      } catch (err) {
        attempts.push(`go build: ${(err as Error).message}`);
      }
    } else attempts.push('go build: `go` not found on PATH');
  }

  if (opts.allowDownload !== false) {
    try {
      const dl = await sdkDownload(opts.cacheDir, opts.version, progress);
      const v = cliVersion(dl);
      if (v) return { path: dl, source: 'sdk-download', version: v };
      attempts.push(`SDK download: produced ${dl} but '--version' failed`);
    } catch (err) {
      attempts.push(`SDK download: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new TemporalCliNotFoundError(attempts);
}

/**
 * `go install <module>@v<version>` into a staging dir, then an atomic rename into the cache, so a
 * build interrupted halfway never leaves a broken binary behind. A lock dir serialises builds.
 */
async function goBuild(go: string, cacheDir: string, version: string, progress: (l: string) => void): Promise<string> {
  const target = cachedCliPath(cacheDir, version);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.build-lock');
  await withDirLock(lock, progress, async () => {
    if (isExecutable(target)) return;
    const staging = fs.mkdtempSync(path.join(dir, '.staging-'));
    progress(`Building the Temporal CLI v${version} from its Go module (first run only; this takes a few minutes)…`);
    try {
      await run(go, ['install', `${CLI_MODULE}@v${version}`], { ...process.env, GOBIN: staging, CGO_ENABLED: '0' }, progress);
      const out = path.join(staging, EXE);
      if (!fs.existsSync(out)) throw new Error(`go install finished but ${out} is missing`);
      fs.renameSync(out, target);
      progress(`Temporal CLI built: ${target}`);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  });
  return target;
}

async function withDirLock(lock: string, progress: (l: string) => void, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if (age > 30 * 60_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) progress('Another process is building the Temporal CLI; waiting for it…');
      announced = true;
      if (Date.now() > deadline) throw new Error('timed out waiting for another build of the Temporal CLI');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, progress: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        progress(`  ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

/**
 * The SDK downloads the CLI when it starts an ephemeral server. Start one in a scratch dir, stop it,
 * and keep the binary it fetched.
 */
async function sdkDownload(cacheDir: string, version: string, progress: (l: string) => void): Promise<string> {
  const target = cachedCliPath(cacheDir, version);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-temporal-dl-'));
  progress(`Downloading the Temporal CLI v${version} through the Temporal SDK…`);
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: scratch, version: `v${version}` } },
    });
    await env.teardown();
    const found = findFile(scratch, (f) => path.basename(f).startsWith('temporal') && isExecutable(f));
    if (!found) throw new Error(`the SDK started a server but no binary was found under ${scratch}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(found, target);
    fs.chmodSync(target, 0o755);
    return target;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function findFile(dir: string, pred: (f: string) => boolean): string | null {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const f = findFile(full, pred);
      if (f) return f;
    } else if (pred(full)) return full;
  }
  return null;
}
