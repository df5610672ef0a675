import { orlProject } from '../../vitest.shared';

export default orlProject('cli', 600_000);
