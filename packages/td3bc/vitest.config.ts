import { orlProject } from '../../vitest.shared';

export default orlProject('td3bc');
