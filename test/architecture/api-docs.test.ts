/**
 * The API reference (`npm run docs`, TypeDoc) is generated from JSDoc, so the JSDoc must be there: every exported
 * construct, class, function and interface of the public modules has a description, every property of an exported
 * interface has one, and every optional property says its `@default`. Read with the TypeScript compiler's parser.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const PUBLIC = ['lib/building-blocks', 'lib/workloads', 'lib/testing', 'lib/vocabulary'];

function files(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? files(rel) : e.name.endsWith('.ts') ? [rel] : [];
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function jsDoc(node: ts.Node): readonly ts.JSDoc[] {
  return (node as any).jsDoc ?? [];
}

function described(node: ts.Node): boolean {
  return jsDoc(node).some((d) => ts.getTextOfJSDocComment(d.comment)?.trim());
}

function hasDefault(node: ts.Node): boolean {
  return jsDoc(node).some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'default')) || /@default/.test(jsDoc(node).map((d) => ts.getTextOfJSDocComment(d.comment) ?? '').join(''));
}

/** `file:line what` for each exported thing that lacks what the reference needs. */
export function undocumented(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const at = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  for (const statement of source.statements) {
    if (!isExported(statement)) continue;
    const name = (statement as any).name?.text ?? (ts.isVariableStatement(statement) ? statement.declarationList.declarations[0].name.getText() : '?');
    const kind = ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement);
    if (kind && !described(statement)) out.push(`${at(statement)} ${name} has no description`);
    if (!ts.isInterfaceDeclaration(statement)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const prop = `${name}.${member.name.getText()}`;
      if (!described(member)) out.push(`${at(member)} ${prop} has no description`);
      else if (member.questionToken && !hasDefault(member)) out.push(`${at(member)} ${prop} is optional but says no @default`);
    }
  }
  return out;
}

describe('API reference', () => {
  test('every exported construct, props interface and prop of the public modules is documented', () => {
    const problems = PUBLIC.flatMap(files).flatMap((f) => undocumented(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  test('the check finds a missing description and a missing @default', () => {
    const text = [
      '/** A construct. */',
      'export interface GoodProps {',
      '  /** Documented. */ readonly a: string;',
      '  /** Optional with a default. @default 3 */ readonly b?: number;',
      '}',
      'export interface BadProps {',
      '  readonly c: string;',
      '  /** Optional, no default. */ readonly d?: number;',
      '}',
    ].join('\n');
    expect(undocumented('x.ts', text)).toEqual(['x.ts:6 BadProps has no description', 'x.ts:7 BadProps.c has no description', 'x.ts:8 BadProps.d is optional but says no @default']);
  });
});
