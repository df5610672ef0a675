import { TD3BC } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

await benchAlgorithm('td3bc', (engine, normalizer) => new TD3BC(engine, 17, 6, normalizer), 55);
