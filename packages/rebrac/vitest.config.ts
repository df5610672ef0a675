import { orlProject } from '../../vitest.shared';

export default orlProject('rebrac');
