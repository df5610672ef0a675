import { defineConfig } from 'vitest/config';

// One root command runs every package's suite; each package also has its own `test` target.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
