/// <reference lib="webworker" />
// TD3+BC on a dropped table, in a worker: imports it through a column mapping, trains on the WebAssembly engine and
// reports the critic loss as it goes; at the end, one evaluation episode (when the task is known) and the policy bytes.
import { UniformSampler, prepareOffline, toTransitions } from '@orl/core';
import { importTable, type ColumnMapping } from '@orl/data-import';
import { makeEvaluator } from '@orl/mujoco-env';
import { createEngine } from '@orl/nn';
import { RewardModel } from '@orl/reward-model';
import { TD3BC } from '@orl/td3bc';

export interface TrainRequest {
  bytes: Uint8Array;
  mapping: ColumnMapping;
  steps: number;
  task?: string;
}
export type TrainReply =
  | { kind: 'imputed'; rows: number }
  | { kind: 'progress'; step: number; loss: number }
  | { kind: 'done'; steps: number; losses: number[]; score: number | null; policy: Uint8Array }
  | { kind: 'error'; error: string };

self.onmessage = async (e: MessageEvent<TrainRequest>) => {
  try {
    const { bytes, mapping, steps, task } = e.data;
    const dataset = await importTable(bytes, { mapping, ...(task ? { metadata: { task } } : {}) });
    let transitions = toTransitions(dataset);
    // Partly labelled logs: the imputed-rewards method — a reward model fitted on the labelled rows fills the rest.
    if (transitions.rewardMask?.some((v) => v === 0)) {
      const model = new RewardModel({ seed: 0 }, { backend: 'wasm' });
      model.fit(transitions);
      transitions = model.impute(transitions).dataset;
      self.postMessage({ kind: 'imputed', rows: transitions.size - transitions.labelledCount() } satisfies TrainReply);
    }
    const { data, normalizer } = prepareOffline(transitions);
    const agent = new TD3BC(createEngine({ backend: 'wasm', notice: false }), data.obsDim, data.actDim, normalizer, { seed: 0 });
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
