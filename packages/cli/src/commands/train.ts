import { readFileSync } from 'node:fs';
import { OrlError } from '@orl/core';
import { writeFileSync } from 'node:fs';
import { evaluate, makeEnv, renderEpisodeSvg } from '@orl/mujoco-env';
import { MlpPolicy, createEngine, type BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';
import { runCell, type Algo, type Condition } from '../pipeline.js';

export async function trainCmd(algo: string, o: { dataset: string; out: string; steps: number; seed: number; condition: Condition; labelFraction: number; evalEvery: number; evalEpisodes: number; backend: BackendChoice }): Promise<void> {
  if (algo !== 'td3bc' && algo !== 'iql') throw new OrlError('INVALID_ARGUMENT', `unknown algorithm '${algo}' (td3bc or iql)`);
  const { dataset } = await loadDataset(o.dataset, { log: (m) => console.error(m) });
  const r = await runCell(dataset, { algo: algo as Algo, condition: o.condition, seed: o.seed, labelFraction: o.labelFraction, steps: o.steps, evalEvery: o.evalEvery, evalEpisodes: o.evalEpisodes, backend: o.backend }, o.out, (m) => console.error(m));
  console.log(`${algo} on ${o.dataset} (${o.condition}): final normalized score ${r.finalScore.toFixed(1)} after ${r.steps} steps (${r.seconds.toFixed(0)} s); policy in ${o.out}/policy.orl and ${o.out}/tfjs/`);
}

export async function evalCmd(o: { policy: string; task: string; episodes: number; seed: number; render?: string }): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(o.policy));
  } catch {
    throw new OrlError('NOT_FOUND', `cannot read policy file ${o.policy}`);
  }
  const policy = MlpPolicy.decode(createEngine({ notice: false }), bytes);
  const r = await evaluate(policy, { task: o.task, episodes: o.episodes, seed: o.seed });
  if (o.render) {
    const env = await makeEnv(o.task);
    const v = renderEpisodeSvg(env, policy, { seed: o.seed });
    env.close();
    writeFileSync(o.render, v.svg);
    console.log(`rendered episode (return ${v.return.toFixed(1)}, ${v.steps} steps) to ${o.render}`);
  }
  console.log(`${o.task}: return ${r.meanReturn.toFixed(1)} ± ${r.stdReturn.toFixed(1)}, normalized ${r.meanNormalized.toFixed(1)} ± ${r.stdNormalized.toFixed(1)} over ${o.episodes} episodes (lengths ${Math.min(...r.lengths)}–${Math.max(...r.lengths)})`);
}
