import { AWAC } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

await benchAlgorithm('awac', (engine, normalizer) => new AWAC(engine, 17, 6, normalizer), undefined, { shape: '256-256-256' });
