import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | null = null;

/** The installed/checked-out package root (where package.json, resources/, prompts/ and dist/ live). */
export function packageRoot(): { root: string; version: string } {
  if (cached) return cached;
  const override = process.env.VIGIL_PACKAGE_ROOT;
  let dir = override ?? path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const j = JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string; version?: string };
        if (j.name === 'vigil') return (cached = { root: dir, version: j.version ?? '0.0.0' });
      } catch {
        // keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('cannot find the Vigil package root (package.json named "vigil")');
}
