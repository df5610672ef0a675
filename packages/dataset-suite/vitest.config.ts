import { orlProject } from '../../vitest.shared';

export default orlProject('dataset-suite');
