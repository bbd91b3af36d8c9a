/**
 * The Go build step of the Temporal CLI resolver: its progress (one status line with step,
 * counts, elapsed and what is left), the build log, and the staging-then-rename into the cache.
 * The real build takes minutes (docs/architecture.md has its timing); here a stand-in `go` on
 * PATH prints what the real one prints for each of the three commands, so the orchestration and
 * the parsing are tested in milliseconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressPrinter } from './progress-line';
import { buildLogPath, buildStatusLine, cachedCliPath, classifyGoLine, countRequires, formatElapsed, resolveTemporalCli, type ProgressMeta } from './temporal-cli';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-temporal-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const GO_MOD = `module github.com/temporalio/cli

go 1.24

require (
	github.com/a/one v1.0.0
	github.com/b/two v1.2.0 // indirect
)

require github.com/c/three v0.3.0

require (
	// a comment line
	github.com/d/four v4.0.0 // indirect
)
`;

/** A `go` that answers the resolver's three commands the way the real one does. */
function fakeGo(opts: { failList?: boolean; failInstall?: boolean } = {}): string {
  const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
  const src = fs.mkdtempSync(path.join(scratch, 'src-'));
  fs.writeFileSync(path.join(src, 'go.mod'), GO_MOD);
  const script = `#!/bin/sh
case "$1" in
  mod)
    echo '{"Path":"github.com/temporalio/cli","Version":"v1.5.1","Dir":"${src}","GoMod":"${src}/go.mod"}' ;;
  list)
    [ "$(pwd)" = "${src}" ] || { echo "list ran in $(pwd)" >&2; exit 1; }
    ${opts.failList ? 'echo "go: no network" >&2; exit 1' : ''}
    echo "go: downloading github.com/a/one v1.0.0" >&2
    echo "go: downloading github.com/c/three v0.3.0" >&2
    printf 'runtime\\nfmt\\ngithub.com/a/one\\ngithub.com/temporalio/cli/cmd/temporal\\n' ;;
  install)
    ${opts.failInstall ? 'echo "# github.com/a/one" >&2; echo "one.go:3: undefined: x" >&2; exit 2' : ''}
    for p in runtime fmt github.com/a/one github.com/temporalio/cli/cmd/temporal; do echo "$p" >&2; done
    printf '#!/bin/sh\\necho "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)"\\n' > "$GOBIN/temporal"
    chmod +x "$GOBIN/temporal" ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
`;
  fs.writeFileSync(path.join(bin, 'go'), script, { mode: 0o755 });
  return bin;
}

describe('temporal CLI Go build', () => {
  it('counts the modules a go.mod requires, in blocks and single lines', () => {
    expect(countRequires(GO_MOD)).toBe(4);
  });

  it('tells download lines and compiled packages apart', () => {
    expect(classifyGoLine('go: downloading go.temporal.io/server v1.29.1')).toBe('download');
    expect(classifyGoLine('go.temporal.io/server/common/log')).toBe('package');
    expect(classifyGoLine('internal/abi')).toBe('package');
    expect(classifyGoLine('# github.com/a/one')).toBe('other');
    expect(classifyGoLine('one.go:3: undefined: x')).toBe('other');
  });

  it('says the step, the counts, the elapsed time and what is left', () => {
    expect(formatElapsed(61_500)).toBe('1m01s');
    expect(buildStatusLine({ version: '1.5.1', step: 2, done: 57, total: 143, elapsedMs: 72_000 })).toBe(
      'Temporal CLI v1.5.1 (first start only): step 2/3 downloading Go modules — 57 of at most 143 modules · 1m12s elapsed · then: compile',
    );
    expect(buildStatusLine({ version: '1.5.1', step: 3, done: 412, total: 1031, elapsedMs: 160_000 })).toBe(
      'Temporal CLI v1.5.1 (first start only): step 3/3 compiling — 412 of 1,031 packages · 2m40s elapsed',
    );
    expect(buildStatusLine({ version: '1.5.1', step: 3, done: 9, total: null, elapsedMs: 5_000 })).toMatch(/compiling — 9 packages · 5s elapsed$/);
  });

  it('builds through the three steps, reports progress, keeps go’s output and caches the binary', async () => {
    const cacheDir = fs.mkdtempSync(path.join(scratch, 'cache-'));
    const lines: { line: string; meta?: ProgressMeta }[] = [];
    const cli = await resolveTemporalCli({ version: '1.5.1', cacheDir, searchPath: fakeGo(), allowDownload: false, onProgress: (line, meta) => lines.push({ line, ...(meta ? { meta } : {}) }) });
    expect(cli).toMatchObject({ source: 'go-build', path: cachedCliPath(cacheDir, '1.5.1') });
    expect(cli.version).toMatch(/^temporal version/);
    const permanent = lines.filter((l) => !l.meta).map((l) => l.line);
    expect(permanent[0]).toBe(`Building the Temporal CLI v1.5.1 from its Go module (first start only; a few minutes). go's output: ${buildLogPath(cacheDir, '1.5.1')}`);
    expect(permanent.at(-1)).toMatch(/^Temporal CLI built in \d+s: /);
    const status = lines.filter((l) => l.meta?.transient).map((l) => l.line);
    expect(status.some((l) => /step 1\/3 fetching the CLI source/.test(l))).toBe(true);
    // Every status of a step is forced when the step starts; the counts come with the last ones.
    expect(status.some((l) => /step 2\/3 downloading Go modules — \d of at most 4 modules/.test(l))).toBe(true);
    expect(status.some((l) => /step 3\/3 compiling — \d of 4 packages/.test(l))).toBe(true);
    const log = fs.readFileSync(buildLogPath(cacheDir, '1.5.1'), 'utf8');
    expect(log).toContain('go: downloading github.com/a/one v1.0.0');
    expect(log).toContain('github.com/temporalio/cli/cmd/temporal');
    expect(log).toMatch(/# .* built .*temporal in \d+s/);
    // Nothing left behind but the binary and the log.
    expect(fs.readdirSync(path.dirname(cli.path)).sort()).toEqual(['build.log', 'temporal']);
  });

  it('still builds when counting fails, and a failed build names its log', async () => {
    const cacheDir = fs.mkdtempSync(path.join(scratch, 'cache-'));
    const ok = await resolveTemporalCli({ version: '1.5.1', cacheDir, searchPath: fakeGo({ failList: true }), allowDownload: false });
    expect(ok.source).toBe('go-build');
    expect(fs.readFileSync(buildLogPath(cacheDir, '1.5.1'), 'utf8')).toMatch(/step 2 failed \(go install downloads what it needs\)/);

    const cacheDir2 = fs.mkdtempSync(path.join(scratch, 'cache-'));
    const failed = resolveTemporalCli({ version: '1.5.1', cacheDir: cacheDir2, searchPath: fakeGo({ failInstall: true }), allowDownload: false });
    await expect(failed).rejects.toThrow(/go build: go install -v .* exited with 2:\n# github.com\/a\/one\none.go:3: undefined: x \(go's output: .*build\.log\)/);
    expect(fs.existsSync(cachedCliPath(cacheDir2, '1.5.1'))).toBe(false);
    expect(fs.readdirSync(path.dirname(cachedCliPath(cacheDir2, '1.5.1')))).toEqual(['build.log']);
  });
});

describe('progress printer', () => {
  const capture = (tty: boolean, clock: { t: number }) => {
    let out = '';
    const p = progressPrinter({ write: (t) => (out += t), tty, everyMs: 10_000, now: () => clock.t });
    return { p, out: () => out };
  };
  const step = (s: string): ProgressMeta => ({ transient: true, step: s });

  it('rewrites one line in place on a terminal', () => {
    const clock = { t: 0 };
    const { p, out } = capture(true, clock);
    p.line('Building…');
    p.line('step 2/3 — 1 module', step('2'));
    p.line('step 2/3 — 2 modules', step('2'));
    p.line('built');
    p.line('step 3/3 — 5 packages', step('3'));
    p.end();
    expect(out()).toBe('Building…\n\r\x1b[2Kstep 2/3 — 1 module\r\x1b[2Kstep 2/3 — 2 modules\r\x1b[2Kbuilt\n\r\x1b[2Kstep 3/3 — 5 packages\n');
  });

  it('prints the first status of each step and then one every period elsewhere', () => {
    const clock = { t: 0 };
    const { p, out } = capture(false, clock);
    p.line('step 2/3 — 1', step('2'));
    clock.t = 4_000;
    p.line('step 2/3 — 2', step('2'));
    clock.t = 10_000;
    p.line('step 2/3 — 3', step('2'));
    clock.t = 11_000;
    p.line('step 3/3 — 1', step('3'));
    p.line('done');
    p.end();
    expect(out()).toBe('step 2/3 — 1\nstep 2/3 — 3\nstep 3/3 — 1\ndone\n');
  });
});
