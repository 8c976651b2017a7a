/**
 * Generates imports/k8s.ts offline from schemas/kubernetes-1.27.0.json:
 * `npm run import [-- <outdir>]` (default: imports/).
 *
 * `cdk8s import k8s@1.27.0` downloads the same file; we hand cdk8s-cli's own
 * importer the copy kept in this repository instead, so the output is what the
 * CLI would write, with no network, and with three rewrites (see
 * `linearUndefinedFilter`, `definedFieldsOnly` and `onKubeApiObject`).
 */
import * as fs from 'fs';
import * as path from 'path';

const K8S_VERSION = '1.27.0';
const root = path.resolve(__dirname, '..');
const schemaFile = path.join(root, 'schemas', `kubernetes-${K8S_VERSION}.json`);

// cdk8s-cli's `exports` field hides its internals from bare require(), so resolve by path.
const cliDir = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cliDir, 'lib', 'util.js'));
util.download = async (url: string): Promise<string> => {
  if (!url.includes(`/v${K8S_VERSION}/_definitions.json`)) {
    throw new Error(`import-k8s: unexpected download of ${url}; only v${K8S_VERSION} is kept offline`);
  }
  return fs.readFileSync(schemaFile, 'utf8');
};
const { ImportKubernetesApi } = require(path.join(cliDir, 'lib', 'import', 'k8s.js'));
const { Language } = require(path.join(cliDir, 'lib', 'import', 'base.js'));

/** How cdk8s-cli 2.x drops undefined values from a map: a reduce that copies the object so far at every kept key. */
const QUADRATIC_FILTER = /Object\.entries\(([\w.]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.+?) \}\), \{\}\)/g;

/**
 * The generated `toJson_*` functions drop undefined values with a reduce that spreads the object built so far at
 * every kept key: quadratic in the keys, and at 1,000 services about 8% of a synth (CPU profile, bench/generated.ts).
 * `Object.fromEntries` over the filtered (and, where the reduce converts values, mapped) entries gives the same object
 * (own data properties, in the same order, a `__proto__` key included) in one pass; test/scripts/import-k8s.test.ts
 * checks both forms on generated objects.
 */
export function linearUndefinedFilter(source: string): string {
  return source.replace(QUADRATIC_FILTER, (_, object: string, value: string) =>
    value === 'i[1]'
      ? `Object.fromEntries(Object.entries(${object}).filter((i) => i[1] !== undefined))`
      : `Object.fromEntries(Object.entries(${object}).filter((i) => i[1] !== undefined).map((i) => [i[0], ${value}]))`,
  );
}

/** The object a generated `toJson_*` function builds: every field, undefined or not, then filtered (see below). */
const FIELDS_THEN_FILTER = /  const result = \{\n((?:    '[^']+': .*,\n)*)  \};\n  \/\/ filter undefined values\n  return Object\.fromEntries\(Object\.entries\(result\)\.filter\(\(i\) => i\[1\] !== undefined\)\);\n/g;

/**
 * Each generated `toJson_*` function builds an object of every field the type has (a PodSpec has 40, most of them
 * undefined), then copies it without the undefined ones; at 1,000 services these conversions were ~10% of a synth.
 * Assigning only the defined values, in the same order, builds the same object in one step: the same expressions
 * are evaluated in the same order, and the keys are the schema's names (none is `__proto__`).
 * test/scripts/import-k8s.test.ts checks both forms on generated values.
 */
export function definedFieldsOnly(source: string): string {
  return source.replace(FIELDS_THEN_FILTER, (_, fields: string) => {
    const lines = fields.split('\n').filter(Boolean).map((line) => {
      const [, key, value] = /^    '([^']+)': (.*),$/.exec(line)!;
      return `  if ((value = ${value}) !== undefined) result['${key}'] = value;\n`;
    });
    return `  const result: Record<string, any> = {};\n  let value: any;\n${lines.join('')}  return result;\n`;
  });
}

/** How cdk8s-cli imports the base of the classes it generates. */
const BASE_IMPORT = "import { ApiObject, GroupVersionKind } from 'cdk8s';\n";

/**
 * The generated classes extend KubeApiObject (imports/kube-api-object.ts), cdk8s's ApiObject with a `toJson` that
 * resolves in one walk; the rest of each class (its typed `toJson` after `super.toJson()`) is unchanged.
 */
export function onKubeApiObject(source: string): string {
  if (!source.includes(BASE_IMPORT)) return source;
  return source.replace(BASE_IMPORT, "import { GroupVersionKind } from 'cdk8s';\nimport { KubeApiObject } from './kube-api-object';\n").replace(/ extends ApiObject \{/g, ' extends KubeApiObject {');
}

async function main(outdir: string): Promise<void> {
  const importer = new ImportKubernetesApi({ apiVersion: K8S_VERSION });
  await importer.import({ outdir, targetLanguage: Language.TYPESCRIPT });
  const file = path.join(outdir, 'k8s.ts');
  const generated = fs.readFileSync(file, 'utf8');
  const linear = linearUndefinedFilter(generated);
  if (linear === generated) throw new Error('import-k8s: the generated code no longer has the undefined filter this script rewrites; check linearUndefinedFilter against the new cdk8s-cli');
  const fieldsOnly = definedFieldsOnly(linear);
  if (fieldsOnly.includes('// filter undefined values')) throw new Error('import-k8s: a generated toJson_* function has a shape definedFieldsOnly does not know; check it against the new cdk8s-cli');
  const rewritten = onKubeApiObject(fieldsOnly);
  if (/\bApiObject\b/.test(rewritten.replace(/KubeApiObject/g, ''))) throw new Error('import-k8s: the generated code uses ApiObject where onKubeApiObject does not expect it; check it against the new cdk8s-cli');
  fs.writeFileSync(file, rewritten);
  console.error(`${path.relative(root, file)} generated from schemas/kubernetes-${K8S_VERSION}.json`);
}

if (require.main === module) {
  main(path.resolve(process.argv[2] ?? path.join(root, 'imports'))).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
