import { defineConfig } from 'vite';

// MuJoCo's WebAssembly build is threaded: it needs SharedArrayBuffer, so the page must be cross-origin isolated.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  // The mujoco package starts its own workers from its own URL: serve it as published, not pre-bundled.
  optimizeDeps: { exclude: ['mujoco'] },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist' },
});
