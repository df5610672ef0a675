export { MujocoEnv, makeEnv, resolveTask, type EnvOptions } from './env.js';
export { VecEnv, makeVecEnv, type VecStepResult } from './vec.js';
export { evaluate, makeEvaluator, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export { BehaviorPolicy, loadBehaviorPolicy, shippedPolicy, shippedPolicyPath, SHIPPED_POLICIES, type ShippedPolicy, type MlpPolicyJson } from './behavior.js';
export { TASKS, halfCheetahOnItsBack, halfCheetahFractionOnItsBack, type TaskSpec } from './tasks.js';
export { loadMujoco, heapBytes, versionString, type Mujoco, type Task } from './mujoco.js';
export { renderEpisodeSvg, type RenderOptions } from './render.js';
