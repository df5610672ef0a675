import { orlProject } from '../../vitest.shared';

export default orlProject('morec', 300_000);
