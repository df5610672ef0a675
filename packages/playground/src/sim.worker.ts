/// <reference lib="webworker" />
// Runs one episode of a policy in MuJoCo (WebAssembly, threaded: this is why it lives in a worker) and renders it.
import { normalizedScore } from '@orl/core';
import { BehaviorPolicy, makeEnv, renderEpisodeSvg } from '@orl/mujoco-env';
import { MlpPolicy, type TfjsImport, createEngine } from '@orl/nn';

export interface SimRequest {
  task: 'hopper' | 'walker2d' | 'halfcheetah';
  seed: number;
  policyJson?: unknown;
  policyOrl?: Uint8Array;
  /** A TensorFlow.js LayersModel: model.json's text and its weight files by name. */
  policyTfjs?: TfjsImport;
}
export type SimReply = { svg: string; return: number; normalized: number; steps: number } | { error: string };

self.onmessage = async (e: MessageEvent<SimRequest>) => {
  try {
    const { task, seed } = e.data;
    const engine = () => createEngine({ backend: 'wasm', notice: false });
    const policy = e.data.policyOrl
      ? MlpPolicy.decode(engine(), e.data.policyOrl)
      : e.data.policyTfjs
        ? MlpPolicy.fromTfjs(engine(), e.data.policyTfjs)
        : BehaviorPolicy.fromJSON(e.data.policyJson);
    const env = await makeEnv(task);
    if (policy instanceof MlpPolicy) policy.checkTask(task, env.observationSpace.shape[0]!, env.actionSpace.shape[0]!);
    const r = renderEpisodeSvg(env, policy, { seed });
    env.close();
    self.postMessage({ svg: r.svg, return: r.return, normalized: normalizedScore(task, r.return), steps: r.steps } satisfies SimReply);
  } catch (err) {
    self.postMessage({ error: String((err as Error).message ?? err) } satisfies SimReply);
  }
};
