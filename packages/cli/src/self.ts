import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node arguments that run this CLI again (for child processes): the built bin next to dist/, or — when this module
 * runs from its TypeScript source (tests, the workspace) — src/bin.ts through tsx.
 */
export function cliCommand(): string[] {
  const file = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  if (file.endsWith('.ts')) return ['--import', 'tsx', '--conditions=source', join(dirname(file), 'bin.ts')];
  return [join(dirname(file), '..', 'bin', 'orl.mjs')];
}
