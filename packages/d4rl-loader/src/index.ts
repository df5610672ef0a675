export { readD4rl, writeD4rl, qlearningDataset, resolveD4rlPath, type D4rlData, type ReadOptions, type WriteD4rlOptions } from './d4rl.js';
export { readMinari, writeMinari, type MinariData } from './minari.js';
export { maskRewards, type MaskedRewards } from './mask.js';
export { summarize, type DatasetSummary } from './summary.js';
export {
  d4rlCacheDir,
  minariCacheDir,
  d4rlFileName,
  d4rlUrl,
  resolveD4rlName,
  resolveMinariId,
  isDatasetName,
  safeJoin,
  D4RL_DIR_ENV,
  MINARI_DIR_ENV,
  D4RL_DOWNLOAD_BASE,
  D4RL_ENVS,
  D4RL_KINDS,
} from './names.js';
