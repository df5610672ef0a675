import { CQL } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

// CQL's penalty scores 30 sampled actions per state with both critics (≈ 14 GFLOP per update): WASM would take
// minutes per round, so only the native variants run.
await benchAlgorithm('cql', (engine, normalizer) => new CQL(engine, 17, 6, normalizer), undefined, {
  shape: '256-256-256, 3 × 10 penalty actions',
  nativeOnly: true,
});
