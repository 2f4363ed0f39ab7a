import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard bundle: built into web/dist (git-ignored) by `npm run build`, served by the
// control plane at / on the API port. Everything ships in the package; nothing from a CDN.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under /assets/: the server caches those for a year, index.html never.
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
});
