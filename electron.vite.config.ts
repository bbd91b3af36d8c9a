import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';

// `npm run build:electron` → out/main (ESM), out/preload/index.cjs (sandboxed preloads are CommonJS),
// out/renderer (the same renderer the headless gateway serves from dist/renderer).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      // runtime.js: the utility process that hosts Temporal, the ledgers and backtests (electron/main/runtime.ts).
      rollupOptions: { input: { index: path.resolve('electron/main/index.ts'), runtime: path.resolve('core/host/process/entry.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: true,
      rollupOptions: { input: { index: path.resolve('electron/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: path.resolve('renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: path.resolve('out/renderer'),
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      rollupOptions: { input: path.resolve('renderer/index.html') },
    },
  },
});
