import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng, StateNormalizer } from '@orl/core';
import { MLP, createEngine, decodeMLP, encodeMLP, exportTfjs } from '../src/index.js';

describe('save / load', () => {
  it('round-trips shape, activations and parameters', () => {
    const e = createEngine({ backend: 'js', notice: false });
    const net = new MLP(e, { sizes: [4, 8, 2], hidden: 'tanh', output: 'tanh', seed: 1 });
    const bytes = encodeMLP(net);
    const back = decodeMLP(createEngine({ backend: 'wasm', notice: false }), bytes);
    expect(back.sizes).toEqual([4, 8, 2]);
    expect(back.activations).toEqual(['tanh', 'tanh']);
    expect(Array.from(back.getParams())).toEqual(Array.from(net.getParams()));
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    expect(Array.from(back.predict(x))).toEqual(Array.from(net.predict(x)).map((v) => expect.closeTo(v, 6)));
    expect(() => decodeMLP(e, bytes.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'FORMAT' }));
  });
});

describe('TensorFlow.js export', () => {
  it('loads in @tensorflow/tfjs and gives the same outputs, with the input normalizer folded in', async () => {
    await tf.setBackend('cpu');
    const e = createEngine({ notice: false });
    const net = new MLP(e, { sizes: [17, 256, 256, 6], output: 'tanh', seed: 7 });
    const rng = new Rng(2);
    const raw = Float32Array.from({ length: 5 * 17 }, () => rng.normal() * 3 + 1);
    const normalizer = StateNormalizer.fit(raw, 17);
    const expected = net.predict(normalizer.normalize(raw));

    const { modelJson, weights } = exportTfjs(net, { normalizer });
    const artifacts = {
      modelTopology: (modelJson as { modelTopology: object }).modelTopology,
      weightSpecs: (modelJson as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }).weightsManifest[0]!.weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    };
    // Through JSON, as a file would be.
    JSON.parse(JSON.stringify(modelJson));
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const out = (model.predict(tf.tensor2d(raw, [5, 17])) as tf.Tensor).dataSync();
    expect(out.length).toBe(30);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 4);
  });
});
