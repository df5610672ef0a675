import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng, StateNormalizer } from '@orl/core';
import { MLP, MlpPolicy, createEngine, decodeMLP, encodeMLP, exportTfjs, importTfjs } from '../src/index.js';

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

describe('TensorFlow.js import', () => {
  it('reads a model tfjs itself saved (Sequential, InputLayer-free, relu/tanh) and acts as tfjs predicts', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [11], units: 32, activation: 'relu', name: 'hidden_a' }),
        tf.layers.dense({ units: 16, activation: 'tanh', name: 'hidden_b' }),
        tf.layers.dense({ units: 3, activation: 'tanh', name: 'out' }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    // As files on disk: model.json names one weights file, which holds the weights in manifest order.
    const modelJson = JSON.stringify({
      format: 'layers-model',
      modelTopology: saved!.modelTopology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: saved!.weightSpecs }],
    });
    const weights = { 'group1-shard1of1.bin': new Uint8Array(saved!.weightData as ArrayBuffer) };
    const policy = MlpPolicy.fromTfjs(createEngine({ backend: 'wasm', notice: false }), { modelJson, weights }, { task: 'hopper' });
    expect([policy.obsDim, policy.actDim, policy.task]).toEqual([11, 3, 'hopper']);
    const rng = new Rng(5);
    const obs = Float32Array.from({ length: 4 * 11 }, () => rng.normal());
    const expected = (model.predict(tf.tensor2d(obs, [4, 11])) as tf.Tensor).dataSync();
    const actions = policy.actBatch(obs, 4);
    for (let i = 0; i < actions.length; i++) expect(actions[i]).toBeCloseTo(expected[i]!, 5);
  });

  it('reads back what exportTfjs wrote, the normalizer folded into the first layer', () => {
    const e = createEngine({ backend: 'js', notice: false });
    const net = new MLP(e, { sizes: [5, 8, 2], output: 'tanh', seed: 3 });
    const raw = Float32Array.from({ length: 3 * 5 }, (_, i) => Math.cos(i) * 4 + 2);
    const normalizer = StateNormalizer.fit(raw, 5);
    const { modelJson, weights } = exportTfjs(net, { normalizer });
    const back = importTfjs(e, { modelJson: JSON.parse(JSON.stringify(modelJson)), weights: { 'weights.bin': weights } });
    const a = net.predict(normalizer.normalize(raw));
    const b = back.predict(raw);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
  });

  it('refuses what it cannot read, with typed errors and before allocating', () => {
    const e = createEngine({ backend: 'js', notice: false });
    const net = new MLP(e, { sizes: [3, 4, 2], seed: 1 });
    const good = exportTfjs(net);
    const json = (f: (m: Record<string, any>) => void) => {
      const m = JSON.parse(JSON.stringify(good.modelJson));
      f(m);
      return m;
    };
    const w = { 'weights.bin': good.weights };
    expect(() => importTfjs(e, { modelJson: '{not json', weights: w })).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    expect(() => importTfjs(e, { modelJson: json((m) => (m.modelTopology.config.layers[0].class_name = 'Conv2D')), weights: w })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining('Conv2D') }),
    );
    expect(() => importTfjs(e, { modelJson: json((m) => (m.modelTopology.config.layers[0].config.activation = 'gelu')), weights: w })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => importTfjs(e, { modelJson: json((m) => (m.modelTopology.class_name = 'Model')), weights: w })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => importTfjs(e, { modelJson: good.modelJson, weights: {} })).toThrow(
      expect.objectContaining({ code: 'FORMAT', message: expect.stringContaining('weights.bin') }),
    );
    expect(() => importTfjs(e, { modelJson: good.modelJson, weights: { 'weights.bin': good.weights.subarray(0, 20) } })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => importTfjs(e, { modelJson: json((m) => (m.weightsManifest[0].weights[0].shape = [1 << 20, 1 << 20])), weights: w })).toThrow(
      expect.objectContaining({ code: 'FORMAT' }),
    );
    expect(() => importTfjs(e, { modelJson: json((m) => (m.weightsManifest[0].weights[0].dtype = 'int32')), weights: w })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => importTfjs(e, { modelJson: json((m) => (m.modelTopology.config.layers[1].config.units = 3)), weights: w })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
  });
});
