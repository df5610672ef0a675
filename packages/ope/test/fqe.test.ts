import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, Rng, StateNormalizer, UniformSampler, toTransitions, type Policy } from '@orl/core';
import { trainLoop } from '@orl/core/node';
import { createEngine } from '@orl/nn';
import { FQE, initialStates, valueToNormalizedScore } from '@orl/ope';
import { fitFqe } from '@orl/ope/node';

/**
 * A logged MDP with a known answer: 3-D random states, random actions in [−1, 1]², reward = a₀, no terminals.
 * For the constant policy π(s) = (c, ·): Q(s, a) = a₀ + γ·c/(1 − γ), so V(π) = c/(1 − γ) from every state.
 */
function loggedData(n = 4000): Dataset {
  const rng = new Rng(1);
  const obs = Float32Array.from({ length: n * 3 }, () => rng.normal());
  const act = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
  const rewards = Float32Array.from({ length: n }, (_, i) => act[i * 2]!);
  const timeouts = new Uint8Array(n);
  for (let i = 99; i < n; i += 100) timeouts[i] = 1; // 40 episodes of 100 steps
  return new Dataset({ observations: obs, actions: act, rewards, terminals: new Uint8Array(n), timeouts }, { obsDim: 3, actDim: 2 });
}

const constantPolicy = (c: number): Policy => ({ obsDim: 3, actDim: 2, act: (_o, out = new Float32Array(2)) => (out.fill(0), (out[0] = c), out) });

describe('FQE', () => {
  it('recovers known values c/(1 − γ) of constant policies, in the right order', async () => {
    const data = loggedData();
    const estimates: number[] = [];
    for (const c of [0.5, -0.3, 0.1]) {
      const r = await fitFqe(data, constantPolicy(c), { discount: 0.9, lr: 1e-3, hidden: [64, 64] }, { steps: 3000, progress: 'none', task: null });
      estimates.push(r.value);
      expect(r.value).toBeCloseTo(c / 0.1, 0); // within 0.5 of 5, −3, 1
      expect(r.starts).toBe(40);
      expect(r.curve.at(-1)!.step).toBe(3000);
    }
    expect(estimates[0]!).toBeGreaterThan(estimates[2]!);
    expect(estimates[2]!).toBeGreaterThan(estimates[1]!);
  });

  it('stop and resume give the Q network of an uninterrupted run', async () => {
    const data = loggedData(1000);
    const engine = createEngine({ notice: false });
    const nz = new StateNormalizer(new Float32Array(3), new Float32Array(3).fill(1));
    const make = () => new FQE(engine, constantPolicy(0.2), nz, { hidden: [16], targetUpdateInterval: 7 });
    const transitions = toTransitions(data);
    const full = make();
    await trainLoop({ agent: full, sampler: new UniformSampler(transitions, 100, 3), steps: 60, progress: false });
    const out = mkdtempSync(join(tmpdir(), 'orl-fqe-'));
    const ac = new AbortController();
    const first = make();
    const orig = first.update.bind(first);
    let k = 0;
    first.update = (b) => (++k === 25 && ac.abort(), orig(b));
    await trainLoop({ agent: first, sampler: new UniformSampler(transitions, 100, 3), steps: 60, outDir: out, progress: false, signal: ac.signal });
    const second = make();
    const r = await trainLoop({ agent: second, sampler: new UniformSampler(transitions, 100, 3), steps: 60, outDir: out, progress: false });
    expect(r.resumedFrom).toBe(25);
    expect(Array.from(second.q.getParams())).toEqual(Array.from(full.q.getParams()));
  });

  it('precomputed π(s′) (looked up by batch index) trains exactly as computing it each step', () => {
    const data = loggedData(500) as Dataset;
    const transitions = toTransitions(data);
    const engine = createEngine({ notice: false });
    const nz = new StateNormalizer(new Float32Array(3), new Float32Array(3).fill(1));
    const policy: Policy = { obsDim: 3, actDim: 2, act: (o, out = new Float32Array(2)) => ((out[0] = Math.tanh(o[0]!)), (out[1] = -o[1]! / 4), out) };
    const q = [0, 1].map((k) => {
      const f = new FQE(engine, policy, nz, { hidden: [16], seed: 4 });
      if (k === 1) f.precomputeNextActions(transitions.nextObservations!);
      const sampler = new UniformSampler(transitions, 50, 9);
      for (let i = 0; i < 40; i++) f.update(sampler.sample());
      return Array.from(f.q.getParams());
    });
    expect(q[1]).toEqual(q[0]);
  });

  it('start states and the normalized reading', () => {
    const data = loggedData(300);
    expect(initialStates(data).length).toBe(3 * 3);
    // 1000 steps at the average discounted reward: V·(1 − γ)·1000, normalized with hopper's reference returns.
    expect(valueToNormalizedScore('hopper', 300, 0.99)).toBeCloseTo(((3000 + 20.272305) / (3234.3 + 20.272305)) * 100, 0);
  });
});
