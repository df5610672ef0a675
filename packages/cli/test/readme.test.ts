import { describe, expect, it, beforeAll } from 'vitest';
import { installLine, readmeBlocks, runBlock, scratchProject, type DocBlock } from '../../../tools/doc-test.js';
import { packageEntries } from '../../../tools/consumer-types.js';

// Every README's code runs as written, as a user runs it: against the packed tarballs, in a scratch project.
const packages = packageEntries();
const blocks: DocBlock[] = packages.flatMap((p) => readmeBlocks(p.dir, p.name));
let scratch = '';

describe('package READMEs', () => {
  beforeAll(() => {
    scratch = scratchProject();
  }, 600_000);

  it.each(packages.map((p) => [p.name, p.dir] as const))('%s: the README starts with its npm i line', (name, dir) => {
    expect(installLine(dir)).toMatch(new RegExp(`^npm i ${name.replace('/', '\\/')}\\b`));
  });

  it.each(blocks.map((b) => [`${b.pkg} block ${b.index + 1}`, b] as const))(
    '%s runs as written',
    (_label, block) => {
      if (block.skip) return console.log(`${_label}: not run (${block.skip})`);
      const r = runBlock(scratch, block);
      expect(r.status, r.output.slice(-3000)).toBe(0);
    },
    600_000,
  );
});
