import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/**
 * Per-package vitest settings. Workspace packages are inlined and resolved through the `source` export condition,
 * so tests always run against the TypeScript sources of every @orl package (never a stale dist/).
 */
export function orlProject(name: string, testTimeout = 120_000) {
  return defineProject({
    resolve: { conditions: ['source', 'module', 'node', 'default'] },
    // No 'import' condition here: it would reach CommonJS dependencies too (pg's require('pg-pool') would get an ES
    // module namespace and fail).
    ssr: { resolve: { conditions: ['source', 'node', 'default'], externalConditions: ['source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout,
      server: { deps: { inline: [/@orl\//] } },
      // Temporary folders under one per-run folder, removed at the end (a no-op inside the root run, which has one).
      globalSetup: [fileURLToPath(new URL('./tools/test-tmpdir.ts', import.meta.url))],
    },
  });
}
