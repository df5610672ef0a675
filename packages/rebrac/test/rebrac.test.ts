import { Rng, UniformSampler, toTransitions } from '@orl/core';
import { createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { banditData, banditError, refForward } from '../../../tools/rl-test-helpers.js';
import { randomBatches } from '../../../tools/update-fixture.js';
import { REBRAC_CORL_COEFS, ReBRAC } from '../src/index.js';
import { trainReBRAC } from '../src/node.js';

describe('ReBRAC learns', () => {
  it('moves from uniformly random behaviour toward the optimal action of a one-step task (well past behaviour cloning)', async () => {
    const data = banditData(4000, 1);
    const { agent, loop } = await trainReBRAC(data, { hidden: [64, 64], batchSize: 128, seed: 0 }, { steps: 2000, progress: 'none', backend: 'wasm' });
    expect(loop.step).toBe(2000);
    const { err, bcErr } = banditError(agent.policy());
    console.log(`ReBRAC one-step task: squared error ${err.toFixed(4)} vs behaviour cloning ${bcErr.toFixed(4)}`);
    expect(err).toBeLessThan(0.2 * bcErr);
  }, 180_000);

  it('refuses batches without next actions, with a typed error naming the sampler option', () => {
    const agent = new ReBRAC(createEngine({ backend: 'js', notice: false }), 2, 1, { hidden: [8] });
    const batch = new UniformSampler(toTransitions(banditData(50, 1)), 8, 0).sample();
    expect(() => agent.update(batch)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('nextActions') }));
  });

  it("CORL's initialisation (hidden biases 0.1, last layers within ±3e-3 / ±1e-3) and β's for the nine MuJoCo datasets", () => {
    const agent = new ReBRAC(createEngine({ backend: 'js', notice: false }), 3, 2, { hidden: [16, 16], seed: 2 });
    const nets = (agent.stateDict() as { nets: Record<string, { params: Float32Array }> }).nets;
    const l0 = nets['q1.layer0']!.params;
    expect(Array.from(l0.subarray(5 * 16))).toEqual(new Array(16).fill(Math.fround(0.1)));
    expect(Math.max(...Array.from(l0.subarray(0, 5 * 16), Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(5));
    expect(Math.max(...Array.from(nets['q2.layer2']!.params, Math.abs))).toBeLessThanOrEqual(3e-3);
    const actor = nets.actor!.params;
    expect(Math.max(...Array.from(actor.subarray(actor.length - (16 * 2 + 2)), Math.abs))).toBeLessThanOrEqual(1e-3);
    expect(Object.keys(REBRAC_CORL_COEFS)).toHaveLength(9);
  });
});

agentConformance('ReBRAC', (engine, seed) => new ReBRAC(engine, 4, 2, { hidden: [32, 32], batchSize: 32, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
  nextActions: true,
});

describe("ReBRAC's critic loss against CORL's formula", () => {
  it('loss/critic equals a float64 recomputation: LayerNorm critics, smoothed target action, β_critic·‖ã′ − a′‖²', () => {
    const [S, A, B, H] = [3, 2, 5, 8];
    const cfg = { hidden: [H, H], batchSize: B, criticBcCoef: 0.3, seed: 4 };
    const agent = new ReBRAC(createEngine({ backend: 'js', notice: false }), S, A, cfg);
    const before = agent.stateDict() as Record<string, any>;
    const batch = randomBatches(S, A, B, 1, 8)[0]!;
    batch.nextActions = Float32Array.from({ length: B * A }, (_, i) => Math.sin(i));
    const m = agent.update(batch);

    const nets = before.nets as Record<string, { params: Float32Array }>;
    const rng = Rng.fromState(before.rng);
    const eps = 1e-6;
    const critic = (name: string, x: number[]): number => {
      let h = x;
      for (let l = 0; l < 3; l++) {
        const last = l === 2;
        const out = refForward(nets[`${name}.layer${l}`]!.params, [h.length, last ? 1 : H], h, 'linear');
        if (last) return out[0]!;
        const z = out.map((v) => Math.max(0, v));
        const mu = z.reduce((s, v) => s + v, 0) / H;
        const va = z.reduce((s, v) => s + (v - mu) ** 2, 0) / H;
        const gain = before[`${name}.ln${l}.gain`] as Float32Array,
          bias = before[`${name}.ln${l}.bias`] as Float32Array;
        h = z.map((v, j) => ((v - mu) / Math.sqrt(va + eps)) * gain[j]! + bias[j]!);
      }
      throw new Error('unreachable');
    };
    let loss = 0;
    for (let r = 0; r < B; r++) {
      const s2 = Array.from(batch.nextObservations.subarray(r * S, (r + 1) * S));
      const pi2 = refForward(nets.actorTarget!.params, [S, H, H, A], s2, 'tanh');
      const a2 = pi2.map((v) => Math.min(1, Math.max(-1, v + Math.min(0.5, Math.max(-0.5, 0.2 * rng.normal())))));
      const penalty = a2.reduce((s, v, j) => s + (Math.fround(v) - batch.nextActions![r * A + j]!) ** 2, 0);
      const sa2 = [...s2, ...a2.map((v) => Math.fround(v))];
      const target = batch.rewards[r]! + (1 - batch.dones[r]!) * 0.99 * (Math.min(critic('q1Target', sa2), critic('q2Target', sa2)) - 0.3 * penalty);
      const sa = [...Array.from(batch.observations.subarray(r * S, (r + 1) * S)), ...Array.from(batch.actions.subarray(r * A, (r + 1) * A))];
      loss += ((critic('q1', sa) - target) ** 2 + (critic('q2', sa) - target) ** 2) / B;
    }
    expect(m['loss/critic']).toBeCloseTo(loss, 4);
    expect(m['loss/actor']).toBeDefined(); // CORL updates the actor at the first update (then every policyFreq)
  });
});
