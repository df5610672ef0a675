export { Act, ACTIVATIONS, type Activation, type BackendName, type Kernels } from './kernels/contract.js';
export { JsKernels } from './kernels/js.js';
export { loadWasmKernels } from './kernels/wasm.js';
export { loadNativeKernels } from './kernels/native.js';
export {
  Engine,
  createEngine,
  createEngineAsync,
  defaultEngine,
  availableBackends,
  type EngineOptions,
  type BackendChoice,
  type EngineInfo,
} from './engine.js';
export { MLP, ParamVector, type MLPConfig, type ParamBlock } from './mlp.js';
export { Adam, polyak, cosineLr, type AdamConfig } from './adam.js';
export { mseLoss, expectileLoss, gaussianLogProb } from './losses.js';
export { mlpState, mlpFromState, encodeMLP, decodeMLP, exportTfjs, importTfjs, type TfjsExport, type TfjsImport } from './io.js';
export { MlpPolicy, concatRows } from './policy.js';
export { AgentState, type StateEntry } from './agent-state.js';
export { Tape, Tensor, Scalar, type MlpApplyOptions } from './tape.js';
