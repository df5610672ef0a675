import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// browser: the in-memory reader (no Node built-ins). read-worker: the worker-thread entry that runs HDF5 reads of user files (src/isolated.ts).
export default defineConfig(preset({ index: 'src/index.ts', browser: 'src/browser.ts', 'read-worker': 'src/read-worker.ts' }, { shims: true }));
