import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// node: training with checkpoints on disk (@orl/core/node). It imports the package by name so both entries share classes.
export default defineConfig(preset({ index: 'src/index.ts', node: 'src/node.ts' }, { external: ['@orl/core', '@orl/rebrac'] }));
