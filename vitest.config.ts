import { defineConfig } from 'vitest/config';

// One root command runs every package's suite; each package also has its own `test` target.
export default defineConfig({
  test: {
    projects: ['packages/*'],
    // Temporary folders of the whole run live under one folder that is removed at the end (tools/test-tmpdir.ts).
    globalSetup: ['./tools/test-tmpdir.ts'],
  },
});
