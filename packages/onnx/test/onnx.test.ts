import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Rng, StateNormalizer } from '@orl/core';
import { MLP, MlpPolicy, createEngine, type Activation } from '@orl/nn';
import { TD3BC } from '@orl/td3bc';
import { IQL } from '@orl/iql';
import { SAC } from '@orl/morec';
import { describeOnnx, exportOnnx } from '@orl/onnx';

const engine = createEngine({ notice: false });

function randomNormalizer(dim: number, rng: Rng): StateNormalizer {
  return new StateNormalizer(
    Float32Array.from({ length: dim }, () => rng.normal() * 2),
    Float32Array.from({ length: dim }, () => 0.1 + Math.abs(rng.normal())),
  );
}

/** Runs the exported model in onnxruntime and compares with the policy on random observations (raw, unnormalized). */
async function expectSameActions(policy: MlpPolicy, rng: Rng, batch = 64): Promise<number> {
  const bytes = exportOnnx(policy);
  const session = await ort.InferenceSession.create(bytes);
  const obs = Float32Array.from({ length: batch * policy.obsDim }, () => rng.normal() * 3);
  const out = await session.run({ observations: new ort.Tensor('float32', obs, [batch, policy.obsDim]) });
  const onnxActions = out.actions!.data as Float32Array;
  expect(out.actions!.dims).toEqual([batch, policy.actDim]);
  const ours = policy.actBatch(obs, batch);
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - onnxActions[i]!));
  expect(maxDiff).toBeLessThan(1e-5);
  return maxDiff;
}

describe('ONNX export, checked by onnxruntime', () => {
  it.each<[string, Activation, Activation, number]>([
    ['relu hidden, tanh output (TD3+BC / IQL / SAC actors)', 'relu', 'tanh', 1],
    ['tanh hidden, linear output, maxAction 2 (clipped)', 'tanh', 'linear', 2],
  ])('%s: same actions within 1e-5 on random observations', async (_name, hidden, output, maxAction) => {
    const rng = new Rng(3);
    const actor = new MLP(engine, { sizes: [11, 32, 32, 3], hidden, output, seed: 1 });
    actor.setParams(Float32Array.from(actor.getParams(), (p) => p + 0.3 * rng.normal())); // away from init: saturating outputs too
    await expectSameActions(new MlpPolicy(actor, randomNormalizer(11, rng), maxAction, 'hopper'), rng);
  });

  it('the policies of TD3+BC, IQL and SAC (MOREC/MOPO)', async () => {
    const rng = new Rng(5);
    const nz = randomNormalizer(17, rng);
    for (const policy of [
      new TD3BC(engine, 17, 6, nz, { hidden: [64, 64], seed: 2 }).policy(),
      new IQL(engine, 17, 6, nz, { hidden: [64, 64], seed: 2 }).policy(),
      new SAC(engine, 17, 6, { hidden: [64, 64], seed: 2 }).policy(),
    ]) {
      await expectSameActions(policy, rng, 128);
    }
  });

  it('the model is standard ONNX (opset 13, named input/output) and garbage is a typed error', () => {
    const actor = new MLP(engine, { sizes: [4, 8, 2], output: 'tanh', seed: 0 });
    const d = describeOnnx(exportOnnx(new MlpPolicy(actor, randomNormalizer(4, new Rng(0)), 1)));
    expect(d).toMatchObject({ opset: 13, inputs: ['observations'], outputs: ['actions'], producer: '@orl/onnx' });
    expect(d.ops).toEqual(['Sub', 'Div', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Tanh', 'Mul', 'Clip']);
    expect(() => describeOnnx(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'FORMAT' }));
  });
});
