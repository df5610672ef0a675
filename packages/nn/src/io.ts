import { OrlError, type StateNormalizer, decodeState, encodeState, type StateDict } from '@orl/core';
import { ACTIVATIONS, type Activation } from './kernels/contract.js';
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

/** What `importTfjs` reads: model.json (parsed or text) and its weight files by the names in its manifest. */
export interface TfjsImport {
  modelJson: unknown;
  /** Weight files by path as the manifest names them (`weights.bin`, `group1-shard1of1.bin`, …). */
  weights: Record<string, Uint8Array>;
}

/** Largest model.json accepted as text (a Sequential of Dense layers is a few kB; this leaves room for Keras' extras). */
const MAX_MODEL_JSON_CHARS = 4 << 20;

/**
 * Reads a TensorFlow.js LayersModel — a Sequential of Dense layers with linear/relu/tanh activations, float32 weights,
 * as `exportTfjs`, tfjs' `model.save` or the Keras converter write it — into an MLP. Anything else (other layer
 * types, quantized or non-float32 weights, functional models) is refused with a typed error naming what was found;
 * shapes are checked against each other and against the bytes present before anything is allocated.
 */
export function importTfjs(engine: Engine, model: TfjsImport): MLP {
  const fail = (code: 'FORMAT' | 'UNSUPPORTED' | 'SHAPE_MISMATCH', msg: string): never => {
    throw new OrlError(code, `TF.js model: ${msg}`);
  };
  let json = model.modelJson;
  if (typeof json === 'string') {
    if (json.length > MAX_MODEL_JSON_CHARS) fail('FORMAT', `model.json is ${json.length} characters, over the ${MAX_MODEL_JSON_CHARS} limit`);
    try {
      json = JSON.parse(json);
    } catch {
      fail('FORMAT', 'model.json is not valid JSON');
    }
  }
  const obj = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
  const root = obj(json);
  const topology = obj(root.modelTopology);
  const graph = obj(topology.model_config).class_name ? obj(topology.model_config) : topology; // Keras converter nests it
  if (graph.class_name !== 'Sequential')
    fail('UNSUPPORTED', `expected a Sequential model, found ${JSON.stringify(String(graph.class_name ?? root.format ?? 'nothing')).slice(0, 60)}`);
  const config = graph.config;
  const rawLayers = Array.isArray(config) ? config : obj(config).layers;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) fail('FORMAT', 'the Sequential model lists no layers');
  const dense: { name: string; units: number; activation: Activation; inDim?: number }[] = [];
  let declaredInput: number | undefined;
  for (const [i, raw] of (rawLayers as unknown[]).entries()) {
    const layer = obj(raw);
    const cfg = obj(layer.config);
    const inputShape = (cfg.batch_input_shape ?? cfg.batch_shape ?? cfg.batchInputShape) as unknown;
    if (Array.isArray(inputShape) && inputShape.length === 2 && dense.length === 0) declaredInput = Number(inputShape[1]);
    if (layer.class_name === 'InputLayer') continue;
    if (layer.class_name !== 'Dense') fail('UNSUPPORTED', `layer ${i} is ${JSON.stringify(String(layer.class_name)).slice(0, 40)}; only Dense layers are read`);
    const activation = cfg.activation ?? 'linear';
    if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation as Activation))
      fail('UNSUPPORTED', `layer ${i}: activation ${JSON.stringify(activation).slice(0, 40)} (supported: ${ACTIVATIONS.join(', ')})`);
    if (cfg.use_bias === false) fail('UNSUPPORTED', `layer ${i} has no bias`);
    const units = Number(cfg.units);
    if (!Number.isInteger(units) || units < 1 || units > MAX_WIDTH) fail('FORMAT', `layer ${i}: units must be an integer in [1, ${MAX_WIDTH}]`);
    dense.push({ name: String(cfg.name ?? `dense_${i}`), units, activation: activation as Activation });
  }
  if (dense.length === 0 || dense.length > MAX_LAYERS) fail('FORMAT', `expected 1–${MAX_LAYERS} Dense layers, found ${dense.length}`);

  // The weights manifest: groups of files, each a concatenation of the listed weights in order.
  const manifest = root.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) fail('FORMAT', 'no weightsManifest');
  const found = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of manifest as unknown[]) {
    const g = obj(group);
    const paths = g.paths;
    const specs = g.weights;
    if (!Array.isArray(paths) || !Array.isArray(specs)) fail('FORMAT', 'a weightsManifest group lacks paths or weights');
    const parts = (paths as unknown[]).map((p) => {
      const bytes = model.weights[String(p)] ?? model.weights[String(p).split('/').at(-1)!];
      if (!bytes) fail('FORMAT', `weight file '${String(p).slice(0, 80)}' was not given (have: ${Object.keys(model.weights).join(', ') || 'none'})`);
      return bytes as Uint8Array;
    });
    const total = parts.reduce((s, p) => s + p.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    let offset = 0;
    for (const s of specs as unknown[]) {
      const spec = obj(s);
      if (spec.quantization) fail('UNSUPPORTED', `weight '${String(spec.name)}' is quantized`);
      if ((spec.dtype ?? 'float32') !== 'float32') fail('UNSUPPORTED', `weight '${String(spec.name)}' is ${String(spec.dtype)}, not float32`);
      const shape = spec.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= MAX_WIDTH))
        fail('FORMAT', `weight '${String(spec.name)}' has a bad shape`);
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      if (offset + count * 4 > all.length)
        fail('SHAPE_MISMATCH', `weight '${String(spec.name)}' needs bytes ${offset}…${offset + count * 4}, the files hold ${all.length}`);
      const values = new Float32Array(count);
      new Uint8Array(values.buffer).set(all.subarray(offset, offset + count * 4)); // copy: the offset may be unaligned
      offset += count * 4;
      found.set(String(spec.name), { shape: shape as number[], values });
    }
  }
  // Weights are named `<layer>/kernel` and `<layer>/bias`, possibly under a model prefix (`sequential/dense/kernel`).
  const weightOf = (layer: string, part: 'kernel' | 'bias') => {
    for (const [name, w] of found) if (name === `${layer}/${part}` || name.endsWith(`/${layer}/${part}`)) return w;
    return fail('FORMAT', `no weight '${layer}/${part}' in the manifest`);
  };
  const sizes: number[] = [];
  const params: Float32Array[] = [];
  for (const [l, d] of dense.entries()) {
    const kernel = weightOf(d.name, 'kernel');
    const bias = weightOf(d.name, 'bias');
    const inDim = kernel.shape[0]!;
    if (kernel.shape.length !== 2 || kernel.shape[1] !== d.units || bias.shape.length !== 1 || bias.shape[0] !== d.units)
      fail('SHAPE_MISMATCH', `layer '${d.name}': kernel [${kernel.shape}] / bias [${bias.shape}] do not fit ${d.units} units`);
    if (l === 0) {
      if (declaredInput !== undefined && declaredInput !== inDim)
        fail('SHAPE_MISMATCH', `input declared ${declaredInput} wide, first kernel has ${inDim} rows`);
      sizes.push(inDim);
    } else if (inDim !== sizes.at(-1)) fail('SHAPE_MISMATCH', `layer '${d.name}' takes ${inDim} inputs, the layer before gives ${sizes.at(-1)}`);
    sizes.push(d.units);
    params.push(kernel.values, bias.values);
  }
  const flat = new Float32Array(params.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of params) {
    if (!p.every(Number.isFinite)) fail('FORMAT', 'the weights contain NaN or Infinity');
    flat.set(p, off);
    off += p.length;
  }
  const net = new MLP(engine, { sizes, activations: dense.map((d) => d.activation) });
  net.setParams(flat); // kernels are [in × out] in TF.js and here, each layer's kernel then its bias
  return net;
}
