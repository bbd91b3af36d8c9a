#!/usr/bin/env node
// The `vigil` command. Runs the built CLI (dist/cli.mjs); in a checkout without a build it runs
// the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.VIGIL_CLI_ENTRY = '1';
const dist = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (existsSync(dist) && process.env.VIGIL_FROM_SOURCE !== '1') {
  await import(pathToFileURL(dist).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../core/cli/main.ts', import.meta.url).href);
}
