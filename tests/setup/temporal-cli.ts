/**
 * Vitest global setup for every tier that needs Temporal: obtain the CLI once through the real
 * resolver (building it from Go on a fresh machine) and hand its path to the test files.
 */
import type { TestProject } from 'vitest/node';
import { resolveTemporalCli } from '../../core/runtime/temporal-cli';
import { defaultCacheDir } from '../../core/runtime/paths';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCliPath: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const cli = await resolveTemporalCli({
    version: process.env.TEMPORAL_CLI_VERSION ?? '1.5.1',
    cacheDir: process.env.VIGIL_CACHE_DIR ?? defaultCacheDir(),
    envPath: process.env.TEMPORAL_CLI_PATH,
    onProgress: (l) => process.stderr.write(`[temporal-cli] ${l}\n`),
  });
  process.stderr.write(`[temporal-cli] using ${cli.path} (${cli.source}: ${cli.version})\n`);
  project.provide('temporalCliPath', cli.path);
}
