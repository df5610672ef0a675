import { IQL } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

await benchAlgorithm('iql', (engine, normalizer) => new IQL(engine, 17, 6, normalizer), 42);
