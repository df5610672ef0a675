import { join } from 'node:path';
import { benchTape } from '../../../tools/tape-bench.js';
import { IQL } from '../src/index.js';
import { LegacyIQL } from './legacy-iql.js';

benchTape('iql', { tape: (e, n) => new IQL(e, 17, 6, n), legacy: (e, n) => new LegacyIQL(e, 17, 6, n) }, join(import.meta.dirname, '..'));
