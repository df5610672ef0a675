import { Rng, StateNormalizer, UniformSampler, toTransitions } from '@orl/core';
import { createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { banditData, optimal } from '../../../tools/rl-test-helpers.js';
import { CQL } from '../src/index.js';
import { trainCQL } from '../src/node.js';

describe('CQL learns', () => {
  it('moves from uniformly random behaviour toward the optimal action of a one-step task (well past behaviour cloning)', async () => {
    const data = banditData(4000, 1);
    const { agent, loop } = await trainCQL(
      data,
      { hidden: [64, 64], batchSize: 128, actorLr: 3e-4, cqlNActions: 4, seed: 0 },
      { steps: 3000, progress: 'none', backend: 'wasm' },
    );
    expect(loop.step).toBe(3000);
    const policy = agent.policy();
    const rng = new Rng(9);
    let err = 0,
      bcErr = 0;
    for (let k = 0; k < 500; k++) {
      const s = Float32Array.from([rng.uniform(-1, 1), rng.uniform(-1, 1)]);
      err += (policy.act(s)[0]! - optimal(s[0]!, s[1]!)) ** 2 / 500;
      bcErr += optimal(s[0]!, s[1]!) ** 2 / 500; // behaviour cloning converges to the behaviour mean, 0
    }
    console.log(`CQL one-step task: squared error ${err.toFixed(4)} vs behaviour cloning ${bcErr.toFixed(4)}`);
    expect(err).toBeLessThan(0.2 * bcErr);
  }, 180_000);

  it('the penalty pushes Q down on actions the data lacks: with α_cql > 0, Q at unseen actions falls below Q at the data', () => {
    // Behaviour only ever takes a = 0.5; rewards are the same everywhere, so without the penalty Q is flat in a.
    const n = 512;
    const rng = new Rng(4);
    const obs = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
    const batch = { size: 128, obsDim: 2, actDim: 1, indices: new Uint32Array(128) };
    const engine = createEngine({ backend: 'wasm', notice: false });
    const gap = (cqlAlpha: number) => {
      const agent = new CQL(engine, 2, 1, StateNormalizer.identity(2), { hidden: [32, 32], batchSize: 128, cqlAlpha, cqlNActions: 4, seed: 1 });
      for (let i = 0; i < 300; i++) {
        const o = obs.subarray((i % 4) * 256, (i % 4) * 256 + 256);
        agent.update({
          ...batch,
          observations: o,
          nextObservations: o,
          actions: new Float32Array(128).fill(0.5),
          rewards: new Float32Array(128).fill(1),
          dones: new Float32Array(128).fill(1),
        });
      }
      // Q1 at (s, 0.5) minus Q1 at (s, −0.9), averaged over states.
      const q = (agent as unknown as { q1: { predict(x: Float32Array): Float32Array } }).q1;
      const at = (a: number) => q.predict(Float32Array.from({ length: 64 * 3 }, (_, i) => (i % 3 === 2 ? a : obs[Math.floor(i / 3) * 2 + (i % 3)]!)));
      const d = at(0.5),
        u = at(-0.9);
      let g = 0;
      for (let i = 0; i < 64; i++) g += (d[i]! - u[i]!) / 64;
      agent.dispose();
      return g;
    };
    const withPenalty = gap(10),
      without = gap(0);
    console.log(`Q(data action) − Q(unseen action): ${withPenalty.toFixed(3)} with α_cql = 10, ${without.toFixed(3)} without`);
    expect(withPenalty).toBeGreaterThan(0.5);
    expect(Math.abs(without)).toBeLessThan(0.5 * withPenalty);
  }, 60_000);

  it('orthogonal critics; finite losses; the temperature moves', () => {
    const agent = new CQL(createEngine({ backend: 'js', notice: false }), 2, 1, StateNormalizer.identity(2), {
      hidden: [16, 16],
      batchSize: 64,
      cqlNActions: 3,
    });
    const data = toTransitions(banditData(600, 2));
    const sampler = new UniformSampler(data, 64, 3);
    let first: Record<string, number> | undefined,
      m: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      m = agent.update(sampler.sample());
      first ??= m;
      for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    }
    expect(m.alpha).not.toBe(first!.alpha);
    // The critic's first layer, W [out × in] with out ≥ in: orthogonal columns of norm √2 (gain √2).
    const fresh = new CQL(createEngine({ backend: 'js', notice: false }), 2, 1, StateNormalizer.identity(2), { hidden: [16, 16] });
    const { weight, outDim, inDim } = (fresh as unknown as { q1: { layer(l: number): { weight: Float32Array; outDim: number; inDim: number } } }).q1.layer(0);
    for (let p = 0; p < inDim; p++) {
      let norm = 0;
      for (let o = 0; o < outDim; o++) norm += weight[p * outDim + o]! ** 2;
      expect(norm).toBeCloseTo(2, 4);
    }
  });
});

agentConformance('CQL', (engine, seed) => new CQL(engine, 4, 2, StateNormalizer.identity(4), { hidden: [32, 32], batchSize: 32, cqlNActions: 3, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
});
