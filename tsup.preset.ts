import type { Options } from 'tsup';

/** Shared build settings: every package ships ESM + CJS + .d.ts from src/index.ts (plus extra entries). */
export function preset(entry: Record<string, string> = { index: 'src/index.ts' }, extra: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
