/**
 * The same training run in Node and in a browser page: TD3+BC on a seeded synthetic one-step task with the
 * WebAssembly backend. Returns the critic loss over training and the trained policy's actions on fixed observations.
 */
import { Dataset, Rng, StateNormalizer, UniformSampler, toTransitions } from '@orl/core';
import { type Engine, createEngine } from '@orl/nn';
import { TD3BC } from '@orl/td3bc';

export function run(
  steps = 600,
  engine: Engine = createEngine({ backend: 'wasm', notice: false }),
  size: { hidden: number[]; batch: number } = { hidden: [32, 32], batch: 64 },
): { backend: string; threads: number; lossFirst: number; lossLast: number; actions: number[] } {
  const rng = new Rng(0);
  const n = 2000;
  const obs = rng.fillNormal(new Float32Array(n * 3)) as Float32Array;
  const act = rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  // Reward peaks at a* = 0.5·tanh(s₀); every step ends its episode.
  const rewards = Float32Array.from({ length: n }, (_, i) => -((act[i]! - 0.5 * Math.tanh(obs[i * 3]!)) ** 2));
  const data = toTransitions(
    new Dataset({ observations: obs, actions: act, rewards, terminals: new Uint8Array(n).fill(1), timeouts: new Uint8Array(n) }, { obsDim: 3, actDim: 1 }),
  );
  const agent = new TD3BC(engine, 3, 1, new StateNormalizer(new Float32Array(3), new Float32Array(3).fill(1)), {
    hidden: size.hidden,
    batchSize: size.batch,
    seed: 1,
  });
  const sampler = new UniformSampler(data, size.batch, 2);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(agent.update(sampler.sample())['loss/critic']!);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const probe = Float32Array.from([0, 0, 0, 1, 0, 0, -1, 0.5, 0, 2, -1, 1]);
  return {
    backend: engine.kernels.name,
    threads: engine.kernels.threads(),
    lossFirst: mean(losses.slice(0, 50)),
    lossLast: mean(losses.slice(-50)),
    actions: Array.from(agent.policy().actBatch(probe, 4)),
  };
}
