import { orlProject } from '../../vitest.shared';

export default orlProject('cql');
