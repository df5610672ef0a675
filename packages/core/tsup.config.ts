import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// The node entry imports the main entry by package name (kept external), so both share one OrlError class.
export default defineConfig(preset({ index: 'src/index.ts', node: 'src/node/index.ts' }, { external: ['@orl/core'] }));
