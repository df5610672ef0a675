import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset';

// read-worker: the worker-thread entry that runs HDF5 reads of user files (src/isolated.ts).
export default defineConfig(preset({ index: 'src/index.ts', 'read-worker': 'src/read-worker.ts' }, { shims: true }));
