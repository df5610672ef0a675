import { join } from 'node:path';
import { benchTape } from '../../../tools/tape-bench.js';
import { TD3BC } from '../src/index.js';
import { LegacyTD3BC } from './legacy-td3bc.js';

benchTape('td3bc', { tape: (e, n) => new TD3BC(e, 17, 6, n), legacy: (e, n) => new LegacyTD3BC(e, 17, 6, n) }, join(import.meta.dirname, '..'));
