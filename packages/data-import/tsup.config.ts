import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// node: file reading with a size limit (the main entry takes bytes and stays browser-safe).
export default defineConfig(preset({ index: 'src/index.ts', node: 'src/node.ts' }, { external: ['@orl/core'] }));
