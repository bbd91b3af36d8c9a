/**
 * Vitest global setup for every tier that needs Temporal: obtain the CLI once through the real
 * resolver (building it from Go on a fresh machine) and hand its path to the test files.
 */
import type { TestProject } from 'vitest/node';
import { resolveTemporalCli } from '../../core/runtime/temporal-cli';
import { defaultCacheDir } from '../../core/runtime/paths';
import { progressPrinter } from '../../core/runtime/progress-line';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCliPath: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const printer = progressPrinter({ write: (t) => process.stderr.write(t.replace(/^(\r\x1b\[2K)?(?=.)/, (m) => `${m}[temporal-cli] `)), tty: Boolean(process.stderr.isTTY) });
  const cli = await resolveTemporalCli({
    version: process.env.TEMPORAL_CLI_VERSION ?? '1.5.1',
    cacheDir: process.env.VIGIL_CACHE_DIR ?? defaultCacheDir(),
    envPath: process.env.TEMPORAL_CLI_PATH,
    onProgress: printer.line,
  });
  printer.end();
  process.stderr.write(`[temporal-cli] using ${cli.path} (${cli.source}: ${cli.version})\n`);
  project.provide('temporalCliPath', cli.path);
}
