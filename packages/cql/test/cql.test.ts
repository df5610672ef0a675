import { Rng, StateNormalizer, UniformSampler, toTransitions } from '@orl/core';
import { createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { banditData, banditError, refForward } from '../../../tools/rl-test-helpers.js';
import { randomBatches } from '../../../tools/update-fixture.js';
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
    const { err, bcErr } = banditError(agent.policy());
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

describe("CQL's losses against CORL's formulas", () => {
  it('loss/critic and loss/cql equal a float64 recomputation from the same samples (importance-sampled logsumexp)', () => {
    const [S, A, B, N] = [3, 2, 4, 3];
    const sizes = [S + A, 8, 1];
    const agent = new CQL(createEngine({ backend: 'js', notice: false }), S, A, StateNormalizer.identity(S), {
      hidden: [8],
      batchSize: B,
      cqlNActions: N,
      seed: 3,
    });
    const before = agent.stateDict() as Record<string, any>;
    const batch = randomBatches(S, A, B, 1, 21)[0]!;
    const m = agent.update(batch);

    // Replay the agent's random draws in its order: π(s), π(s'), uniform actions, π(s) × N, π(s') × N.
    const rng = Rng.fromState(before.rng);
    const nets = before.nets as Record<string, { params: Float32Array }>;
    const [mult, offset] = before.logStdAffine as Float32Array;
    const sample = (obs: Float32Array, rows: number) => {
      const noise = rng.fillNormal(new Float32Array(rows * A));
      const action: number[] = [],
        logProb: number[] = [];
      for (let r = 0; r < rows; r++) {
        const out = refForward(nets.actor!.params, [S, 8, 2 * A], Array.from(obs.subarray(r * S, (r + 1) * S)), 'linear');
        let lp = 0;
        for (let j = 0; j < A; j++) {
          const ls = Math.min(2, Math.max(-20, Math.fround(Math.fround(out[A + j]! * mult!) + offset!)));
          const e = noise[r * A + j]!;
          const act = Math.tanh(out[j]! + Math.exp(ls) * e);
          action.push(act);
          lp += -0.5 * e * e - ls - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - act * act + 1e-6);
        }
        logProb.push(lp);
      }
      return { action, logProb };
    };
    const repeat = (x: Float32Array) => Float32Array.from({ length: B * N * S }, (_, i) => x[Math.floor(i / (N * S)) * S + (i % S)]!);
    sample(batch.observations, B); // the actor's own sample (actor loss)
    const next = sample(batch.nextObservations, B);
    const uniform = Array.from({ length: B * N * A }, () => rng.uniform(-1, 1));
    const cur = sample(repeat(batch.observations), B * N);
    const nxt = sample(repeat(batch.nextObservations), B * N);
    const Q = (name: string, s: ArrayLike<number>, a: ArrayLike<number>) =>
      refForward(nets[name]!.params, sizes, [...Array.from(s), ...Array.from(a)], 'linear')[0]!;
    const obs = (b: number) => batch.observations.subarray(b * S, (b + 1) * S);
    const y = Array.from({ length: B }, (_, b) => {
      const s2 = batch.nextObservations.subarray(b * S, (b + 1) * S),
        a2 = next.action.slice(b * A, (b + 1) * A);
      return batch.rewards[b]! + (1 - batch.dones[b]!) * 0.99 * Math.min(Q('q1Target', s2, a2), Q('q2Target', s2, a2));
    });
    let bellman = 0,
      penalty = 0;
    for (const q of ['q1', 'q2']) {
      for (let b = 0; b < B; b++) {
        const qData = Q(q, obs(b), batch.actions.subarray(b * A, (b + 1) * A));
        bellman += (qData - y[b]!) ** 2 / B;
        const logits: number[] = [];
        for (let n = 0; n < N; n++) logits.push(Q(q, obs(b), uniform.slice((b * N + n) * A, (b * N + n + 1) * A)) - A * Math.log(0.5));
        for (let n = 0; n < N; n++) logits.push(Q(q, obs(b), nxt.action.slice((b * N + n) * A, (b * N + n + 1) * A)) - nxt.logProb[b * N + n]!);
        for (let n = 0; n < N; n++) logits.push(Q(q, obs(b), cur.action.slice((b * N + n) * A, (b * N + n + 1) * A)) - cur.logProb[b * N + n]!);
        const mx = Math.max(...logits);
        const lse = mx + Math.log(logits.reduce((z, l) => z + Math.exp(l - mx), 0));
        penalty += (lse - qData) / B;
      }
    }
    expect(m['loss/critic']).toBeCloseTo(bellman, 4);
    expect(m['loss/cql']).toBeCloseTo(penalty, 4);
    expect(Math.abs(penalty)).toBeGreaterThan(0.1); // the comparison is not between two near-zeros
  });
});
