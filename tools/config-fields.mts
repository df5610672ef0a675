/**
 * Generates each algorithm's `src/config-fields.ts` from the doc comments of its config interface, so that a field's
 * doc comment is the one source of its `--help` text (CleanRL style). Nested config objects (`rollout: Partial<
 * RolloutConfig>`, inline `{ beta: number }`) become dotted names (`rollout.horizon`). A field without a doc comment is
 * an error: every flag gets help.
 *
 *   npx tsx tools/config-fields.mts          # write the files
 *   npx tsx tools/config-fields.mts --check  # exit 1 if a file is stale (the test suite runs this check too)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ConfigFieldSpec {
  name: string;
  doc: string;
  type: 'number' | 'number[]' | 'boolean' | 'choice';
  choices?: string[];
}

/** The configs that become flags: package folder, interface, exported constant name. */
export const TARGETS = [
  { pkg: 'td3bc', iface: 'TD3BCConfig', constant: 'TD3BC_CONFIG_FIELDS' },
  { pkg: 'bc', iface: 'BCConfig', constant: 'BC_CONFIG_FIELDS' },
  { pkg: 'awac', iface: 'AWACConfig', constant: 'AWAC_CONFIG_FIELDS' },
  { pkg: 'cql', iface: 'CQLConfig', constant: 'CQL_CONFIG_FIELDS' },
  { pkg: 'rebrac', iface: 'ReBRACConfig', constant: 'REBRAC_CONFIG_FIELDS' },
  { pkg: 'iql', iface: 'IQLConfig', constant: 'IQL_CONFIG_FIELDS' },
  { pkg: 'reward-model', iface: 'RewardModelConfig', constant: 'REWARD_MODEL_CONFIG_FIELDS' },
  { pkg: 'morec', iface: 'MorecConfig', constant: 'MOREC_CONFIG_FIELDS' },
  { pkg: 'ope', iface: 'FQEConfig', constant: 'FQE_CONFIG_FIELDS' },
] as const;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function docOf(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const c = docs?.at(-1)?.comment;
  return (typeof c === 'string' ? c : (c ?? []).map((p) => p.text).join('')).replace(/\s+/g, ' ').trim();
}

/** Every interface and type alias in the package's sources, by name. */
type Decl = ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.ObjectLiteralExpression;

function declarations(pkg: string): Map<string, Decl> {
  const out = new Map<string, Decl>();
  const dir = join(root, 'packages', pkg, 'src');
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((x) => x.endsWith('.ts') && !x.endsWith('config-fields.ts'))) {
    const sf = ts.createSourceFile(f, readFileSync(join(dir, f), 'utf8'), ts.ScriptTarget.Latest, true);
    sf.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) out.set(n.name.text, n);
      // const objects, for `keyof typeof X` (e.g. nn's Activation = keyof typeof Act)
      if (ts.isVariableStatement(n)) {
        for (const d of n.declarationList.declarations) {
          let init = d.initializer;
          while (init && (ts.isAsExpression(init) || ts.isCallExpression(init))) init = ts.isAsExpression(init) ? init.expression : init.arguments[0];
          if (ts.isIdentifier(d.name) && init && ts.isObjectLiteralExpression(init)) out.set(d.name.text, init);
        }
      }
    });
  }
  return out;
}

export function extractFields(pkg: string, iface: string): ConfigFieldSpec[] {
  // The package's own types first, then those it imports from @orl/nn and @orl/core (e.g. Activation).
  const decls = new Map([...declarations('core'), ...declarations('nn'), ...declarations(pkg)]);
  const fields: ConfigFieldSpec[] = [];
  const literalChoices = (t: ts.TypeNode): string[] | undefined => {
    if (ts.isUnionTypeNode(t) && t.types.every((u) => ts.isLiteralTypeNode(u) && ts.isStringLiteral(u.literal))) {
      return t.types.map((u) => ((u as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
    }
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) {
      const d = decls.get(t.typeName.text);
      if (d && ts.isTypeAliasDeclaration(d)) return literalChoices(d.type);
    }
    if (ts.isTypeOperatorNode(t) && t.operator === ts.SyntaxKind.KeyOfKeyword && ts.isTypeQueryNode(t.type) && ts.isIdentifier(t.type.exprName)) {
      const o = decls.get(t.type.exprName.text);
      if (o && ts.isObjectLiteralExpression(o))
        return o.properties.flatMap((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? [p.name.text] : []));
    }
    return undefined;
  };
  const members = (t: ts.Node): readonly ts.TypeElement[] | undefined => {
    if (ts.isTypeLiteralNode(t)) return t.members;
    if (ts.isInterfaceDeclaration(t)) return t.members;
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) {
      const name = t.typeName.text;
      if ((name === 'Partial' || name === 'Readonly') && t.typeArguments?.[0]) return members(t.typeArguments[0]);
      const d = decls.get(name);
      if (d && ts.isInterfaceDeclaration(d)) return d.members;
      if (d && ts.isTypeAliasDeclaration(d) && ts.isTypeLiteralNode(d.type)) return d.type.members;
    }
    return undefined;
  };
  const walk = (list: readonly ts.TypeElement[], prefix: string, where: string) => {
    for (const m of list) {
      if (!ts.isPropertySignature(m) || !m.type || !ts.isIdentifier(m.name)) continue;
      const name = prefix + m.name.text;
      const t = m.type;
      const nested = t.kind === ts.SyntaxKind.NumberKeyword || literalChoices(t) ? undefined : members(t);
      if (nested) {
        walk(nested, `${name}.`, where);
        continue;
      }
      const doc = docOf(m);
      if (!doc) throw new Error(`${where}: field '${name}' has no doc comment (it becomes the flag's --help)`);
      const choices = literalChoices(t);
      if (t.kind === ts.SyntaxKind.NumberKeyword) fields.push({ name, doc, type: 'number' });
      else if (t.kind === ts.SyntaxKind.BooleanKeyword) fields.push({ name, doc, type: 'boolean' });
      else if (ts.isArrayTypeNode(t) && t.elementType.kind === ts.SyntaxKind.NumberKeyword) fields.push({ name, doc, type: 'number[]' });
      else if (choices) fields.push({ name, doc, type: 'choice', choices });
      else throw new Error(`${where}: field '${name}' has a type flags cannot carry (${t.getText()})`);
    }
  };
  const d = decls.get(iface);
  if (!d || !ts.isInterfaceDeclaration(d)) throw new Error(`packages/${pkg}: no interface ${iface}`);
  walk(d.members, '', `packages/${pkg} ${iface}`);
  return fields;
}

export function render(t: (typeof TARGETS)[number]): string {
  const fields = extractFields(t.pkg, t.iface);
  return `// Generated by tools/config-fields.mts from the doc comments of ${t.iface}: edit those, then run
// \`npx tsx tools/config-fields.mts\`. One entry per field (nested objects as dotted names); the CLI's flags and their
// --help come from here.
import type { ConfigFieldSpec } from '@orl/core';

export const ${t.constant}: readonly ConfigFieldSpec[] = ${JSON.stringify(fields, null, 2)};
`;
}

export function outputPath(t: (typeof TARGETS)[number]): string {
  return join(root, 'packages', t.pkg, 'src', 'config-fields.ts');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const t of TARGETS) {
    const text = render(t);
    const path = outputPath(t);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old === text) continue;
    if (check) {
      console.error(`stale: ${path}`);
      stale++;
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale) process.exit(1);
}
