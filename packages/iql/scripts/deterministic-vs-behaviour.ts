// Usage: npx tsx --conditions=source packages/iql/scripts/deterministic-vs-behaviour.ts default bc_beta0   (after iql-vs-bc.ts)
// Deterministic (Gaussian mean) vs stochastic (sampled with the learned std) evaluation of IQL checkpoints; and the
// behaviour policy itself with and without its exploration noise.
import { Rng, StateNormalizer, type StateDict } from '@orl/core';
import { loadState } from '@orl/core/node';
import { createEngine, mlpFromState } from '@orl/nn';
import { evaluate, shippedPolicy } from '@orl/mujoco-env';
const engine = createEngine({ notice: false });
for (const name of process.argv.slice(2)) {
  const ck = loadState(`runs/iql-check/${name}/checkpoint.orl`);
  // An IQL checkpoint's agent state (see IQL.stateDict).
  const agent = ck.agent as unknown as { nets: { actor: StateDict }; normalizer: Parameters<typeof StateNormalizer.fromJSON>[0]; logStd: Float32Array };
  const actor = mlpFromState(engine, agent.nets.actor);
  const norm = StateNormalizer.fromJSON(agent.normalizer);
  const logStd = Float32Array.from(agent.logStd as Float32Array).map((x) => Math.min(2, Math.max(-20, x)));
  const rng = new Rng(7);
  const mk = (noise: number) => ({
    obsDim: 11,
    actDim: 3,
    act: (o: Float32Array, out = new Float32Array(3)) => {
      const x = new Float32Array(11);
      norm.normalize(o, x);
      const m = actor.predict(x);
      for (let i = 0; i < 3; i++) out[i] = Math.max(-1, Math.min(1, m[i]! + noise * Math.exp(logStd[i]!) * rng.normal()));
      return out;
    },
  });
  for (const noise of [0, 1]) {
    const r = await evaluate(mk(noise), { task: 'hopper', episodes: 10, seed: 10000, numEnvs: 1 });
    console.log(
      name,
      'step',
      ck.step,
      noise ? 'stochastic' : 'mean',
      r.meanNormalized.toFixed(1),
      '±',
      r.stdNormalized.toFixed(1),
      'len',
      (r.lengths.reduce((a, b) => a + b, 0) / 10).toFixed(0),
      'std',
      Array.from(logStd)
        .map((v) => Math.exp(v).toFixed(2))
        .join(','),
    );
  }
}
const beh = await shippedPolicy('hopper-sac');
for (const noise of [0, 1]) {
  const rng = new Rng(3);
  const r = await evaluate(
    { obsDim: 11, actDim: 3, act: (o: Float32Array, out = new Float32Array(3)) => (noise ? beh.sample(o, rng, 1, out) : beh.act(o, out)) },
    { task: 'hopper', episodes: 10, seed: 10000, numEnvs: 1 },
  );
  console.log('behaviour hopper-sac', noise ? 'noise 1 (the dataset)' : 'deterministic', r.meanNormalized.toFixed(1), '±', r.stdNormalized.toFixed(1));
}
