import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, isOrlError } from '@orl/core';
import { readD4rl } from '../src/index.js';
import { d4rlFields, tmp, writeH5 } from './helpers.js';

// Mutated HDF5 files (the HDF5 C library aborts on some: before reads were isolated, a 2 000-case run hung the process) (superblock, object headers, B-trees and heaps live in the first few KiB of a small file) must
// end in a dataset or a typed OrlError — never a crash, an untyped error or a hang.
describe('dataset fuzz', () => {
  it('40 mutated D4RL files (each read in its own worker with a 10 s limit): loaded or refused with a typed error', async () => {
    const dir = tmp();
    const valid = join(dir, 'valid.hdf5');
    await writeH5(valid, d4rlFields());
    const bytes = readFileSync(valid);
    const rng = new Rng(7);
    const counts: Record<string, number> = {};
    const t0 = performance.now();
    const path = join(dir, 'mutant.hdf5');
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(bytes);
      const region = Math.min(b.length, rng.int(2) ? 4096 : b.length);
      for (let k = 0; k <= rng.int(6); k++) b[rng.int(region)] = rng.int(256);
      writeFileSync(path, rng.int(10) === 0 ? b.subarray(0, rng.int(b.length)) : b);
      let code = 'ok';
      try {
        await readD4rl(path, { memoryBudget: 64 << 20, timeoutMs: 10_000 });
      } catch (e) {
        if (!isOrlError(e)) throw new Error(`case ${i}: untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        code = e.code;
      }
      counts[code] = (counts[code] ?? 0) + 1;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`dataset fuzz: ${JSON.stringify(counts)} in ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(600);
    expect(
      Object.keys(counts).every((c) =>
        ['ok', 'FORMAT', 'SHAPE_MISMATCH', 'NON_FINITE', 'TOO_LARGE', 'INVALID_DATASET', 'UNSAFE_PATH', 'NOT_FOUND'].includes(c),
      ),
    ).toBe(true);
    expect(counts.FORMAT ?? 0).toBeGreaterThan(5);
  }, 700_000);
});
