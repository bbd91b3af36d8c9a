/**
 * Zod compiles fast parsers with `new Function` unless told not to, and probes for it the first
 * time an object schema is built. The cockpit's Content-Security-Policy has no 'unsafe-eval', so
 * the probe alone is reported as a violation. Imported first by main.tsx, before any module builds
 * a schema (the contract's event schemas parse every push event).
 */
import { z } from 'zod';

z.config({ jitless: true });
