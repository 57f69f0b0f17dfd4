// The export list is written once, in ts/index.ts (the CommonJS entry). This script writes the ES
// module entry, ts/index.mts, from it: the same names, values and types, re-exported from
// './index.js' so that both entries hand out the same objects. The browser entry re-exports
// index.mts (`export *`), and the packaging test and the browser build read the names here.
//
//   node scripts/esm-entry.mjs            writes ts/index.mts
//   node scripts/esm-entry.mjs --check    exits 1 if ts/index.mts is not what it would write
//   node scripts/esm-entry.mjs --names    prints ts/index.ts's exports, { values, types }, as JSON
//
// __test__/entries.spec.ts runs the check in every test run.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = path.join(repo, 'ts', 'index.ts');
export const ESM_ENTRY = path.join(repo, 'ts', 'index.mts');

const hasExport = (node) =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names `file` exports, as `{ values, types }` (type-only exports are `types`). */
export function exportsOf(file = SOURCE) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const values = [];
  const types = [];
  for (const node of source.statements) {
    if (ts.isExportDeclaration(node)) {
      if (node.exportClause === undefined || !ts.isNamedExports(node.exportClause)) {
        // `export *` would export names no list shows: index.ts names each one.
        throw new Error(`${path.relative(repo, file)}: export every name by itself, not export *`);
      }
      for (const specifier of node.exportClause.elements) {
        (node.isTypeOnly || specifier.isTypeOnly ? types : values).push(specifier.name.text);
      }
    } else if (hasExport(node)) {
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
        types.push(node.name.text);
      } else if (ts.isVariableStatement(node)) {
        for (const declaration of node.declarationList.declarations) {
          values.push(declaration.name.getText(source));
        }
      } else if (node.name !== undefined) {
        values.push(node.name.text);
      }
    }
  }
  return { values: values.sort(byName), types: types.sort(byName) };
}

/**
 * The order Biome's organizeImports gives named exports: letter by letter ignoring case, where
 * two letters differ only in case the capital first (`Arena`, `AVX2_ALIGNMENT`, `addressOf`).
 */
function byName(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const [la, lb] = [a[i].toLowerCase(), b[i].toLowerCase()];
    if (la !== lb) return la < lb ? -1 : 1;
    return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/** The text of ts/index.mts, as Biome formats it. */
export function esmEntry({ values, types } = exportsOf()) {
  const list = (names) => names.map((name) => `  ${name},\n`).join('');
  return `// Written by scripts/esm-entry.mjs from ts/index.ts, where the export list lives: edit that, then
// run \`node scripts/esm-entry.mjs\`. The ES module entry: the same objects as the CommonJS entry
// (no dual-package hazard).

export type {
${list(types)}} from './index.js';
export {
${list(values)}} from './index.js';
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = esmEntry();
  const relative = path.relative(repo, ESM_ENTRY);
  if (process.argv.includes('--names')) {
    console.log(JSON.stringify(exportsOf()));
  } else if (process.argv.includes('--check')) {
    if (readFileSync(ESM_ENTRY, 'utf8') !== text) {
      console.error(
        `${relative} differs from ts/index.ts's exports: run node scripts/esm-entry.mjs`,
      );
      process.exit(1);
    }
  } else {
    writeFileSync(ESM_ENTRY, text);
    console.log(`wrote ${relative}`);
  }
}
