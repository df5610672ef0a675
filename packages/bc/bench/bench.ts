import { BC } from '../src/index.js';
import { benchAlgorithm } from '../../../tools/algo-bench.js';

await benchAlgorithm('bc', (engine, normalizer) => new BC(engine, 17, 6, normalizer), undefined, { shape: 'actor 256-256' });
