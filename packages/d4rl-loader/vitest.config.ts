import { orlProject } from '../../vitest.shared';

export default orlProject('d4rl-loader');
