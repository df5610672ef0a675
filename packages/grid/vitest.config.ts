import { orlProject } from '../../vitest.shared';

export default orlProject('grid', 180_000);
