// Worker-thread entry: runs one HDF5 read for `isolated.ts` and posts the columns back (transferred, not copied).
import { parentPort } from 'node:worker_threads';
import { readD4rlHere } from './d4rl.js';
import { readMinariHere } from './minari.js';
import type { Dataset } from '@orl/core';

function columns(d: Dataset) {
  return {
    observations: d.observations,
    actions: d.actions,
    rewards: d.rewards,
    terminals: d.terminals,
    timeouts: d.timeouts,
    nextObservations: d.nextObservations,
    rewardMask: d.rewardMask,
  };
}

parentPort!.once('message', async (m: { kind: 'd4rl' | 'minari'; arg: string; options: Record<string, unknown> }) => {
  try {
    const r = m.kind === 'd4rl' ? await readD4rlHere(m.arg, m.options) : await readMinariHere(m.arg, m.options);
    const cols = columns(r.dataset);
    const { dataset, ...rest } = r;
    const transfer = [...Object.values(cols), ...('infos' in rest ? Object.values(rest.infos) : [])]
      .filter((a): a is Float32Array => ArrayBuffer.isView(a))
      .map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ ok: true, columns: cols, shape: { obsDim: dataset.obsDim, actDim: dataset.actDim }, datasetMetadata: dataset.metadata, rest }, [
      ...new Set(transfer),
    ]);
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string; details?: Record<string, unknown>; field?: string; row?: number };
    parentPort!.postMessage({
      ok: false,
      error: { name: err?.name, code: err?.code, message: String(err?.message ?? e), details: err?.details ?? {}, field: err?.field, row: err?.row },
    });
  }
});
