import { OrlError, type StateNormalizer, decodeState, encodeState, type StateDict } from '@orl/core';
import type { Activation } from './kernels/contract.js';
import { MLP } from './mlp.js';
import type { Engine } from './engine.js';

/** The MLP as a state dict (shape, activations, parameters) — saved in the `orl-state/1` format. */
export function mlpState(net: MLP): StateDict {
  return { format: 'orl-mlp/1', sizes: [...net.sizes], activations: [...net.activations], params: net.getParams() };
}

/** Widths and depth a saved network may declare (checked before anything is allocated). */
const MAX_WIDTH = 1 << 16;
const MAX_LAYERS = 64;

export function mlpFromState(engine: Engine, s: StateDict): MLP {
  if (
    !s ||
    typeof s !== 'object' ||
    s.format !== 'orl-mlp/1' ||
    !Array.isArray(s.sizes) ||
    !Array.isArray(s.activations) ||
    !(s.params instanceof Float32Array)
  ) {
    throw new OrlError('FORMAT', 'not an orl-mlp/1 state');
  }
  const sizes = s.sizes as unknown[];
  if (sizes.length < 2 || sizes.length > MAX_LAYERS + 1 || !sizes.every((x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= MAX_WIDTH)) {
    throw new OrlError('FORMAT', `orl-mlp/1: layer sizes must be 2–${MAX_LAYERS + 1} integers in [1, ${MAX_WIDTH}]`);
  }
  let expected = 0;
  for (let l = 0; l + 1 < sizes.length; l++) expected += (sizes[l] as number) * (sizes[l + 1] as number) + (sizes[l + 1] as number);
  if (expected !== s.params.length)
    throw new OrlError('SHAPE_MISMATCH', `orl-mlp/1: sizes [${sizes.join(', ')}] need ${expected} parameters, the file has ${s.params.length}`);
  if (!s.params.every(Number.isFinite)) throw new OrlError('NON_FINITE', 'orl-mlp/1: the parameters contain NaN or Infinity');
  const net = new MLP(engine, { sizes: sizes as number[], activations: s.activations as Activation[] });
  net.setParams(s.params);
  return net;
}

export function encodeMLP(net: MLP): Uint8Array {
  return encodeState(mlpState(net));
}

export function decodeMLP(engine: Engine, bytes: Uint8Array): MLP {
  return mlpFromState(engine, decodeState(bytes, 'mlp'));
}

export interface TfjsExport {
  /** model.json contents (TensorFlow.js LayersModel format). */
  modelJson: Record<string, unknown>;
  /** weights.bin contents (float32, little-endian, in manifest order). */
  weights: Uint8Array;
}

/**
 * Exports an MLP as a TensorFlow.js LayersModel (a Sequential of Dense layers): load it with
 * `tf.loadLayersModel('file://…/model.json')` or `tf.loadLayersModel(url)` in a browser.
 * With `normalizer`, the input standardisation (x − μ)/(σ + eps) is folded into the first layer, so the exported model
 * takes raw observations.
 */
export function exportTfjs(net: MLP, options: { normalizer?: StateNormalizer; name?: string } = {}): TfjsExport {
  const layers: Record<string, unknown>[] = [];
  const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Float32Array[] = [];
  for (let l = 0; l < net.numLayers; l++) {
    let { weight, bias } = net.layer(l);
    const { inDim, outDim, activation } = net.layer(l);
    if (l === 0 && options.normalizer) {
      const nz = options.normalizer;
      if (nz.dim !== inDim) throw new OrlError('SHAPE_MISMATCH', `normalizer has ${nz.dim} dims, network input ${inDim}`);
      weight = Float32Array.from(weight);
      bias = Float32Array.from(bias);
      for (let i = 0; i < inDim; i++) {
        const s = 1 / (nz.std[i]! + nz.eps);
        for (let o = 0; o < outDim; o++) {
          const w = weight[i * outDim + o]! * s;
          weight[i * outDim + o] = w;
          bias[o]! -= w * nz.mean[i]!;
        }
      }
    }
    const name = `dense_${l}`;
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        units: outDim,
        activation,
        use_bias: true,
        dtype: 'float32',
        kernel_initializer: { class_name: 'Zeros', config: {} },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        ...(l === 0 ? { batch_input_shape: [null, inDim] } : {}),
      },
    });
    specs.push({ name: `${name}/kernel`, shape: [inDim, outDim], dtype: 'float32' }, { name: `${name}/bias`, shape: [outDim], dtype: 'float32' });
    chunks.push(weight, bias);
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: '@orl/nn',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: options.name ?? 'orl_policy', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  return { modelJson, weights: new Uint8Array(all.buffer) };
}
