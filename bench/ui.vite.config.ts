import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The two bench pages, built with the same toolchain and minification as the renderer.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.join(here, 'results', 'ui-dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { app: path.join(here, 'ui.app.html'), bare: path.join(here, 'ui.bare.html') } },
  },
});
