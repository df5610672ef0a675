import { availableBackends, createEngine, type BackendName, type Engine } from '../src/index.js';

/** Every native kernel set there is; the ones this CPU cannot run are reported as skipped, with the reason. */
export const ALL_NATIVE_SETS = ['generic', 'avx2', 'avx512'] as const;

export interface Variant {
  name: string;
  make: () => Engine;
  /** Kernel set to activate before the variant's tests (native only; process-wide, so set in beforeAll). */
  kernels?: string;
}

/** Backends × native kernel sets this machine runs, and the native sets it cannot run (with why). */
export function engineVariants(): { variants: Variant[]; skipped: string[] } {
  const backends = availableBackends();
  const variants: Variant[] = [];
  const skipped: string[] = [];
  for (const b of backends.filter((x) => x !== 'js')) {
    if (b !== 'native') {
      variants.push({ name: b, make: () => createEngine({ backend: b as BackendName, notice: false }) });
      continue;
    }
    const supported = createEngine({ backend: 'native', notice: false }).info().supported;
    for (const set of ALL_NATIVE_SETS) {
      if (supported.includes(set)) variants.push({ name: `native ${set}`, make: () => createEngine({ backend: 'native', notice: false }), kernels: set });
      else skipped.push(`native ${set}: this CPU lacks it (runs ${supported.join(', ')})`);
    }
  }
  if (!backends.includes('native')) skipped.push('native: addon not built on this machine');
  return { variants, skipped };
}
