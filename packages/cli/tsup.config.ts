import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

export default defineConfig([preset({ index: 'src/index.ts' }, { shims: true }), { ...preset({ bin: 'src/bin.ts' }, { shims: true }), format: ['esm'], dts: false, clean: false }]);
