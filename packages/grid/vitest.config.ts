import { defineProject } from 'vitest/config';

// As vitest.shared.ts, without the "import" condition for externals: pg's CommonJS code requires pg-pool, whose
// "import" entry is an ES module (require() would get its namespace and `class extends Pool` fails).
export default defineProject({
  resolve: { conditions: ['source', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'node', 'default'], externalConditions: ['source'] } },
  test: { name: 'grid', include: ['test/**/*.test.ts'], testTimeout: 180_000, server: { deps: { inline: [/@orl\//] } } },
});
