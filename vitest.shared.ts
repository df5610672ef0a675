import { defineProject } from 'vitest/config';

/**
 * Per-package vitest settings. Workspace packages are inlined and resolved through the `source` export condition,
 * so tests always run against the TypeScript sources of every @orl package (never a stale dist/).
 */
export function orlProject(name: string, testTimeout = 120_000) {
  return defineProject({
    resolve: { conditions: ['source', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['source', 'node', 'import', 'default'], externalConditions: ['source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout,
      server: { deps: { inline: [/@orl\//] } },
    },
  });
}
