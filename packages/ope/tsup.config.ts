import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// node: FQE through the core training loop (progress, metrics, checkpoints); the main entry stays browser-safe.
export default defineConfig(preset({ index: 'src/index.ts', node: 'src/node.ts' }, { external: ['@orl/core', '@orl/ope'] }));
