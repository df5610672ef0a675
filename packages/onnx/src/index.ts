/**
 * ONNX export of @orl policies. The model is built as messages of ONNX's own protobuf schema (onnx-proto, generated
 * from onnx.proto v1.10) and encoded by protobufjs — no hand-assembled bytes.
 *
 * Graph of an `MlpPolicy` (opset 13), input `observations` [batch, obsDim] float32, output `actions` [batch, actDim]:
 *   z = (observations − mean) / (std + eps)          Sub, Div           (the policy's state normalizer)
 *   h = act_l(h·W_l + b_l) for every layer             MatMul, Add, Relu/Tanh
 *   actions = clip(maxAction · h, −maxAction, maxAction)   Mul, Clip
 * which is what `MlpPolicy.actBatch` computes.
 */
import * as onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { OrlError } from '@orl/core';
import type { MlpPolicy } from '@orl/nn';

export interface OnnxExportOptions {
  /** Graph name (default 'orl_policy'). */
  name?: string;
  /** Written into the model's docString (e.g. the task and the training run). */
  description?: string;
}

// onnx-proto is CommonJS whose named export Node's ES-module loader cannot detect: under ESM it sits on `default`.
const onnx: typeof onnxProto.onnx = (onnxProto as unknown as { default?: typeof onnxProto }).default?.onnx ?? onnxProto.onnx;

const OPSET = 13;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tensor(name: string, dims: number[], values: ArrayLike<number>): Onnx.ITensorProto {
  const data = Float32Array.from(values);
  // raw_data: little-endian float32, as the ONNX spec stores it.
  const raw = new Uint8Array(data.buffer.slice(0));
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new OrlError('UNSUPPORTED', 'ONNX export needs a little-endian machine');
  return { name, dims, dataType: FLOAT, rawData: raw };
}

function valueInfo(name: string, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const ACTIVATION_OPS: Record<string, string | null> = { relu: 'Relu', tanh: 'Tanh', linear: null };

/** An `MlpPolicy` as ONNX model bytes (a `.onnx` file). */
export function exportOnnx(policy: MlpPolicy, options: OnnxExportOptions = {}): Uint8Array {
  const { actor, normalizer, maxAction } = policy;
  const nodes: Onnx.INodeProto[] = [];
  const inits: Onnx.ITensorProto[] = [];
  const node = (opType: string, inputs: string[], output: string) => nodes.push({ opType, input: inputs, output: [output], name: output });

  const std = Float32Array.from(normalizer.std, (s) => s + normalizer.eps);
  inits.push(tensor('obs_mean', [policy.obsDim], normalizer.mean), tensor('obs_std', [policy.obsDim], std));
  node('Sub', ['observations', 'obs_mean'], 'obs_centered');
  node('Div', ['obs_centered', 'obs_std'], 'obs_normalized');

  let h = 'obs_normalized';
  for (let l = 0; l < actor.numLayers; l++) {
    const { weight, bias, inDim, outDim, activation } = actor.layer(l);
    if (!(activation in ACTIVATION_OPS)) throw new OrlError('UNSUPPORTED', `ONNX export: activation '${activation}'`);
    // weight is row-major [inDim, outDim]: MatMul's B as is.
    inits.push(tensor(`W${l}`, [inDim, outDim], weight), tensor(`b${l}`, [outDim], bias));
    node('MatMul', [h, `W${l}`], `matmul${l}`);
    node('Add', [`matmul${l}`, `b${l}`], `dense${l}`);
    h = `dense${l}`;
    const op = ACTIVATION_OPS[activation];
    if (op) {
      node(op, [h], `${activation}${l}`);
      h = `${activation}${l}`;
    }
  }
  inits.push(tensor('max_action', [], [maxAction]), tensor('min_action', [], [-maxAction]));
  node('Mul', [h, 'max_action'], 'scaled');
  node('Clip', ['scaled', 'min_action', 'max_action'], 'actions');

  const model = onnx.ModelProto.create({
    irVersion: 7, // ONNX 1.8+ runtimes read IR 7; opset 13 needs IR ≥ 7
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: '@orl/onnx',
    producerVersion: '0.1.0',
    docString: options.description ?? (policy.task ? `policy for ${policy.task}` : 'orl policy'),
    graph: {
      name: options.name ?? 'orl_policy',
      node: nodes,
      initializer: inits,
      input: [valueInfo('observations', ['batch', policy.obsDim])],
      output: [valueInfo('actions', ['batch', policy.actDim])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Reads back the structure of an exported model (for checks and tools; not an inference engine). */
export function describeOnnx(bytes: Uint8Array): { opset: number; inputs: string[]; outputs: string[]; ops: string[]; producer: string } {
  let m: Onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new OrlError('FORMAT', `not an ONNX model: ${(err as Error).message}`, {}, { cause: err });
  }
  return {
    opset: Number(m.opsetImport[0]?.version ?? 0),
    inputs: (m.graph?.input ?? []).map((i) => i.name ?? ''),
    outputs: (m.graph?.output ?? []).map((o) => o.name ?? ''),
    ops: (m.graph?.node ?? []).map((n) => n.opType ?? ''),
    producer: m.producerName ?? '',
  };
}
