import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '@orl/core';
import { BehaviorPolicy, shippedPolicyPath } from '../src/index.js';

const shipped = async () => JSON.parse(readFileSync(await shippedPolicyPath('hopper-sac'), 'utf8'));

describe('mlp-policy/1 JSON', () => {
  it('a deterministic policy (logStd: null, as TD3 or ARS) runs: sample equals act', async () => {
    const json = { ...(await shipped()), logStd: null };
    const p = BehaviorPolicy.fromJSON(json);
    expect(p.deterministic).toBe(true);
    const obs = new Float32Array(11).fill(0.1);
    expect(Array.from(p.sample(obs, new Rng(1), 1))).toEqual(Array.from(p.clone().act(obs)));
    const { logStd: _drop, ...noField } = json;
    expect(BehaviorPolicy.fromJSON(noField).deterministic).toBe(true);
  });

  it.each([
    ['null', null, 'FORMAT'],
    ['no layers', { format: 'mlp-policy/1', obsDim: 11, actDim: 3, layers: [] }, 'FORMAT'],
    ['a layer without weights', { format: 'mlp-policy/1', obsDim: 11, actDim: 3, layers: [{ bias: [0] }] }, 'FORMAT'],
    ['a weight row that is a number', { format: 'mlp-policy/1', obsDim: 1, actDim: 1, layers: [{ weight: [3], bias: [0], activation: 'linear' }] }, 'FORMAT'],
    ['an unknown logStd kind', { logStd: { kind: 'magic' } }, 'FORMAT'],
    ['a logStd parameter of the wrong size', { logStd: { kind: 'parameter', value: [0] } }, 'FORMAT'],
    ['a NaN weight', 'nan', 'NON_FINITE'],
    ['fractional obsDim', { obsDim: 10.5 }, 'FORMAT'],
  ])('refuses %s with a typed error', async (_name, patch, code) => {
    const base = await shipped();
    let json: unknown;
    if (patch === 'nan') {
      json = structuredClone(base);
      (json as { layers: { weight: number[][] }[] }).layers[0]!.weight[0]![0] = NaN;
    } else json = patch === null ? null : 'format' in (patch as object) ? patch : { ...base, ...(patch as object) };
    expect(() => BehaviorPolicy.fromJSON(json)).toThrow(expect.objectContaining({ code }));
  });
});

describe('names are looked up as own keys', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is an unknown task or policy', async (name) => {
    const { resolveTask, shippedPolicyPath } = await import('../src/index.js');
    expect(() => resolveTask(name)).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME' }));
    await expect(shippedPolicyPath(name)).rejects.toMatchObject({ code: 'UNKNOWN_NAME' });
  });
});
