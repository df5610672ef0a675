import { ReBRAC } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

await benchAlgorithm('rebrac', (engine) => new ReBRAC(engine, 17, 6), undefined, {
  batchSize: 1024,
  nextActions: true,
  shape: '256-256-256, LayerNorm critics',
  nativeOnly: true,
});
