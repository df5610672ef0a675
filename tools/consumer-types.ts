/**
 * Type-checks every package as a consumer sees it: all packages packed with `npm pack`, installed from the tarballs
 * into a scratch project, then every entry point (`@orl/x`, `@orl/x/node`, …) imported from an ES module and a
 * CommonJS module and checked by `tsc` with `strict` and without `skipLibCheck`, under `node16` and `bundler`
 * module resolution. Returns tsc's output per mode (empty when clean).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

export function packageEntries(): { name: string; dir: string; entries: string[] }[] {
  return readdirSync(join(root, 'packages')).flatMap((d) => {
    const dir = join(root, 'packages', d);
    let pkg: { name: string; private?: boolean; exports?: Record<string, unknown> };
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      return [];
    }
    if (pkg.private) return [];
    const entries = Object.keys(pkg.exports ?? { '.': {} })
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
    return [{ name: pkg.name, dir, entries }];
  });
}

export function checkConsumerTypes(): Record<string, string> {
  const scratch = mkdtempSync(join(tmpdir(), 'orl-types-'));
  const pkgs = packageEntries();
  const tarballs = pkgs.map(({ dir }) => {
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: dir, encoding: 'utf8' });
    return join(scratch, out.trim().split('\n').at(-1)!);
  });
  const typesNode = JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version as string;
  const ts = JSON.parse(readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8')).version as string;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, `@types/node@${typesNode}`, `typescript@${ts}`],
    { cwd: scratch, stdio: 'pipe' },
  );

  const entries = pkgs.flatMap((p) => p.entries);
  const body = `${entries.map((e, i) => `import * as m${i} from '${e}';`).join('\n')}\nexport const all = [${entries.map((_, i) => `m${i}`).join(', ')}];\n`;
  writeFileSync(join(scratch, 'esm.mts'), body);
  writeFileSync(join(scratch, 'cjs.cts'), body);
  writeFileSync(join(scratch, 'bundler.ts'), body);
  const out: Record<string, string> = {};
  const base = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', types: ['node'] };
  const modes: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
    node16: { compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['esm.mts', 'cjs.cts'] },
    bundler: { compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler.ts'] },
  };
  for (const [mode, config] of Object.entries(modes)) {
    writeFileSync(join(scratch, `tsconfig.${mode}.json`), JSON.stringify(config));
    try {
      execFileSync(join(scratch, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${mode}.json`], { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
      out[mode] = '';
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      out[mode] = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || String(err);
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const r = checkConsumerTypes();
  for (const [mode, text] of Object.entries(r)) console.log(`${mode}: ${text === '' ? 'clean' : `\n${text}`}`);
  if (Object.values(r).some((t) => t !== '')) process.exit(1);
}
