import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@orl/core';
import { describe, expect, it } from 'vitest';
import { readD4rlBytes, readHdf5Bytes, readMinariBytes } from '../src/browser.js';
import { readD4rl, readMinari, writeD4rl, writeMinari } from '../src/index.js';
import { d4rlFields, tmp, writeH5 } from './helpers.js';

// The in-memory reader (`@orl/d4rl-loader/browser`, h5wasm's browser build) gives what the file reader gives, with
// the same typed errors for files that are not what they claim.
function episodes(n: number, obsDim = 3, actDim = 2): Dataset {
  const rows = n * 5;
  const ramp = (k: number, s: number) => Float32Array.from({ length: k }, (_, i) => Math.sin(i * s));
  const terminals = new Uint8Array(rows);
  const timeouts = new Uint8Array(rows);
  for (let e = 0; e < n; e++) (e % 2 ? terminals : timeouts)[e * 5 + 4] = 1;
  return new Dataset(
    {
      observations: ramp(rows * obsDim, 0.1),
      nextObservations: ramp(rows * obsDim, 0.2),
      actions: ramp(rows * actDim, 0.3),
      rewards: ramp(rows, 0.4),
      terminals,
      timeouts,
    },
    { obsDim, actDim },
  );
}

describe('reading D4RL and Minari files from bytes', () => {
  it('a D4RL file read from bytes equals the file read from disk (reward mask included)', async () => {
    const path = join(tmp(), 'd.hdf5');
    const data = episodes(4);
    data.rewardMask = Uint8Array.from({ length: data.size }, (_, i) => (i % 3 === 0 ? 1 : 0));
    await writeD4rl(path, data);
    const fromDisk = await readD4rl(path);
    const fromBytes = await readD4rlBytes(readFileSync(path), { name: 'd.hdf5' });
    for (const k of ['observations', 'actions', 'rewards', 'terminals', 'timeouts', 'nextObservations', 'rewardMask'] as const)
      expect(Array.from(fromBytes.dataset[k] as ArrayLike<number>)).toEqual(Array.from(fromDisk.dataset[k] as ArrayLike<number>));
    expect(fromBytes.path).toBe('d.hdf5');
    const auto = await readHdf5Bytes(readFileSync(path).buffer.slice(0) as ArrayBuffer);
    expect(auto.format).toBe('d4rl');
    expect(auto.dataset.size).toBe(20);
  });

  it('a Minari main_data.hdf5 read from bytes equals readMinari, and its metadata is checked', async () => {
    const dir = await writeMinari(tmp(), episodes(3), { dataset_id: 'test/bytes-v0' });
    const fromDisk = await readMinari(dir);
    const bytes = readFileSync(join(dir, 'main_data.hdf5'));
    const fromBytes = await readMinariBytes(bytes);
    expect(fromBytes.episodes).toBe(3);
    expect(Array.from(fromBytes.dataset.nextObservations!)).toEqual(Array.from(fromDisk.dataset.nextObservations!));
    expect(Array.from(fromBytes.dataset.timeouts)).toEqual(Array.from(fromDisk.dataset.timeouts));
    const auto = await readHdf5Bytes(bytes, { name: 'main_data.hdf5' });
    expect(auto.format).toBe('minari');
    await expect(readMinariBytes(bytes, { minariMetadata: { total_episodes: 4 } })).rejects.toMatchObject({ code: 'FORMAT', message: /declares 4 episodes/ });
  });

  it('bytes that are not a dataset get typed errors naming the file, and the reader stays usable', async () => {
    await expect(readHdf5Bytes(new Uint8Array(0), { name: 'empty.h5' })).rejects.toMatchObject({ code: 'FORMAT', message: /empty\.h5: empty/ });
    await expect(readHdf5Bytes(new TextEncoder().encode('a,b\n1,2\n'), { name: 'x.csv' })).rejects.toMatchObject({
      code: 'FORMAT',
      message: /no HDF5 signature/,
    });
    const path = join(tmp(), 'd.hdf5');
    await writeD4rl(path, episodes(2));
    const good = readFileSync(path);
    // Truncated after the superblock: the library's failure becomes FORMAT.
    await expect(readHdf5Bytes(good.subarray(0, 600), { name: 'cut.hdf5' })).rejects.toMatchObject({ code: 'FORMAT', message: /cut\.hdf5/ });
    // Neither layout.
    const other = join(tmp(), 'other.hdf5');
    await writeH5(other, { 'weights/w': { data: new Float32Array(4), shape: [2, 2] } });
    await expect(readHdf5Bytes(readFileSync(other))).rejects.toMatchObject({ code: 'FORMAT', message: /neither D4RL.*weights/ });
    // A row count declared beyond the budget is refused before allocating.
    await expect(readD4rlBytes(good, { memoryBudget: 100 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect((await readD4rlBytes(good)).dataset.size).toBe(10);
  });

  it('an external link inside the bytes is refused (UNSAFE_PATH), as on disk', async () => {
    const dir = tmp();
    const secret = join(dir, 'secret.hdf5');
    await writeH5(secret, { data: { data: Float32Array.from({ length: 30 }, () => 42), shape: [10, 3] } });
    const linked = join(dir, 'linked.hdf5');
    const fields = d4rlFields();
    delete fields.observations;
    await writeH5(linked, fields, (f) => f.create_external_link('/orl-input-1.h5', '/data', 'observations'));
    await expect(readD4rlBytes(readFileSync(linked), { name: 'linked.hdf5' })).rejects.toMatchObject({ code: expect.stringMatching(/UNSAFE_PATH|FORMAT/) });
    const linked2 = join(dir, 'linked2.hdf5');
    await writeH5(linked2, fields, (f) => f.create_external_link(secret, '/data', 'observations'));
    await expect(readD4rlBytes(readFileSync(linked2), { name: 'linked2.hdf5' })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });
});
