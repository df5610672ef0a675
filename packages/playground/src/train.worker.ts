/// <reference lib="webworker" />
// TD3+BC on a dropped file, in a worker: a table (CSV, Parquet, .npz) through a column mapping, or a D4RL / Minari
// HDF5 file as it is; trains on the WebAssembly engine (two threads where the page is cross-origin isolated) and
// reports the critic loss as it goes; at the end, one evaluation episode (when the task is known) and the policy bytes.
import { type Dataset, UniformSampler, prepareOffline, toTransitions } from '@orl/core';
import { importTable, type ColumnMapping } from '@orl/data-import';
import { makeEvaluator } from '@orl/mujoco-env';
import { createEngineAsync } from '@orl/nn';
import { RewardModel } from '@orl/reward-model';
import { TD3BC } from '@orl/td3bc';

export interface TrainRequest {
  /** The dropped file's name (its extension picks the reader). */
  name: string;
  bytes: Uint8Array;
  mapping: ColumnMapping;
  steps: number;
  task?: string;
}
export type TrainReply =
  | { kind: 'loaded'; rows: number; format: string; engine: string }
  | { kind: 'imputed'; rows: number }
  | { kind: 'progress'; step: number; loss: number }
  | { kind: 'done'; steps: number; losses: number[]; score: number | null; policy: Uint8Array }
  | { kind: 'error'; error: string };

self.onmessage = async (e: MessageEvent<TrainRequest>) => {
  try {
    const { name, bytes, mapping, steps, task } = e.data;
    let dataset: Dataset;
    let format: string;
    if (/\.(hdf5|h5)$/i.test(name)) {
      // Loaded on demand: the HDF5 library is 4 MB of WebAssembly, only needed for these files.
      const { readHdf5Bytes } = await import('@orl/d4rl-loader/browser');
      const read = await readHdf5Bytes(bytes, { name });
      dataset = read.dataset;
      format = read.format === 'd4rl' ? 'D4RL HDF5' : `Minari, ${read.episodes} episodes`;
    } else {
      dataset = await importTable(bytes, { mapping, ...(task ? { metadata: { task } } : {}) });
      format = 'table';
    }
    const engine = await createEngineAsync({ backend: 'wasm', threads: 2, notice: false });
    self.postMessage({ kind: 'loaded', rows: dataset.size, format, engine: engine.describe() } satisfies TrainReply);
    let transitions = toTransitions(dataset);
    // Partly labelled logs: the imputed-rewards method — a reward model fitted on the labelled rows fills the rest.
    if (transitions.rewardMask?.some((v) => v === 0)) {
      const model = new RewardModel({ seed: 0 }, { backend: 'wasm' });
      model.fit(transitions);
      transitions = model.impute(transitions).dataset;
      self.postMessage({ kind: 'imputed', rows: transitions.size - transitions.labelledCount() } satisfies TrainReply);
    }
    const { data, normalizer } = prepareOffline(transitions);
    const agent = new TD3BC(engine, data.obsDim, data.actDim, normalizer, { seed: 0 });
    const sampler = new UniformSampler(data, 256, 1);
    const losses: number[] = [];
    let window = 0;
    for (let step = 1; step <= steps; step++) {
      window += agent.update(sampler.sample())['loss/critic']!;
      if (step % 100 === 0 || step === steps) {
        const n = step % 100 === 0 ? 100 : step % 100;
        losses.push(window / n);
        window = 0;
        self.postMessage({ kind: 'progress', step, loss: losses.at(-1)! } satisfies TrainReply);
        await new Promise((r) => setTimeout(r, 0)); // let messages out
      }
    }
    const policy = agent.policy();
    if (task) policy.task = task;
    const score = task ? ((await makeEvaluator(task, { episodes: 1 })(policy))['eval/normalized_score'] ?? null) : null;
    const encoded = policy.encode();
    self.postMessage({ kind: 'done', steps, losses, score, policy: encoded } satisfies TrainReply, [encoded.buffer]);
  } catch (err) {
    self.postMessage({ kind: 'error', error: String((err as Error).message ?? err) } satisfies TrainReply);
  }
};
