/**
 * imports/k8s.ts is cdk8s-cli's import of the kept 1.27 schema with two rewrites (scripts/import-k8s.ts): the
 * quadratic reduce that drops undefined values becomes one pass, and each toJson_* function assigns only the defined
 * fields instead of building all of them and filtering. The committed file must be what `npm run import` writes, and
 * the rewrites must build the very same objects.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { transformSync } from 'esbuild';
import { definedFieldsOnly, linearUndefinedFilter } from '../../scripts/import-k8s';
import { tempDir } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');

/** The forms cdk8s-cli generates, as they appear in its output before the rewrite. */
const GENERATED = ['i[1]', 'i[1]?.value', 'i[1]?.map(y => y)', 'toJson_JsonSchemaProps(i[1])'].map(
  (value) => `Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: ${value} }), {})`,
);

/** A seeded generator of awkward maps: undefined values, integer-like keys, `__proto__`, nested values. */
function* maps(seed: number): Generator<Record<string, unknown>> {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const keys = ['a', 'b', '10', '2', '__proto__', 'constructor', 'app.kubernetes.io/name', ''];
  const values = [undefined, null, 0, 'x', { value: '1Gi' }, { value: 2 }, [1, 2], { nested: undefined }];
  for (let n = 0; n < 300; n++) {
    const m: Record<string, unknown> = {};
    for (let k = 0; k < Math.floor(next() * 8); k++) Object.defineProperty(m, keys[Math.floor(next() * keys.length)], { value: values[Math.floor(next() * values.length)], enumerable: true, configurable: true, writable: true });
    yield m;
  }
}

const ownEntries = (o: object) => [Object.getPrototypeOf(o) === Object.prototype, ...Reflect.ownKeys(o).map((k) => [k, (o as any)[k]])];

describe('imports/k8s.ts', () => {
  test.each(GENERATED)('the rewrite of %s builds the same object', (original) => {
    const rewritten = linearUndefinedFilter(original);
    expect(rewritten).not.toContain('reduce');
    const toJson_JsonSchemaProps = (v: unknown) => ({ converted: v });
    // The outcome, a thrown error included (`?.map` on a value that is no array throws in both forms).
    const run = (expr: string, labels: unknown) => {
      try {
        return ownEntries(new Function('obj', 'toJson_JsonSchemaProps', `return ${expr};`)({ labels }, toJson_JsonSchemaProps));
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    };
    let compared = 0;
    for (const m of maps(GENERATED.indexOf(original) + 1)) {
      expect(run(rewritten, m)).toEqual(run(original, m));
      compared++;
    }
    expect(compared).toBe(300);
  });

  test('a toJson_* function that assigns only the defined fields builds the same object, or throws the same error', () => {
    // The shapes of field the generator writes (after linearUndefinedFilter), each under a key of its own.
    const fields = [
      "'apiVersion': obj.apiVersion",
      "'x-kubernetes-int-or-string': obj.intOrString",
      "'spec': toJson_Spec(obj.spec)",
      "'ports': obj.ports?.map(y => toJson_Spec(y))",
      "'args': obj.args?.map(y => y)",
      "'limits': ((obj.limits) === undefined) ? undefined : (Object.fromEntries(Object.entries(obj.limits).filter((i) => i[1] !== undefined).map((i) => [i[0], i[1]?.value])))",
      "'value': obj.value?.value",
    ];
    const generated = `function toJson_T(obj) {\n  if (obj === undefined) { return undefined; }\n  const result = {\n${fields.map((f) => `    ${f},\n`).join('')}  };\n  // filter undefined values\n  return Object.fromEntries(Object.entries(result).filter((i) => i[1] !== undefined));\n}\n`;
    const rewritten = definedFieldsOnly(generated);
    expect(rewritten).not.toContain('filter undefined values');
    const compile = (source: string) => new Function('toJson_Spec', `${transformSync(source, { loader: 'ts' }).code}\nreturn toJson_T;`)((v: unknown) => (v === undefined ? undefined : { spec: v }));
    const [before, after] = [compile(generated), compile(rewritten)];
    const outcome = (f: (o: unknown) => unknown, o: unknown) => {
      try {
        const r = f(o);
        return r === undefined ? 'undefined' : ownEntries(r as object);
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    };
    const keys = ['apiVersion', 'intOrString', 'spec', 'ports', 'args', 'limits', 'value'];
    const values = [undefined, null, 0, '', 'x', [1, 'a'], { value: '1Gi' }, { cpu: { value: 2 }, memory: undefined }, 'not-a-list'];
    let x = 7;
    const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    expect(outcome(after, undefined)).toEqual(outcome(before, undefined));
    for (let n = 0; n < 500; n++) {
      const o: Record<string, unknown> = {};
      for (const k of keys) if (next() < 0.6) o[k] = values[Math.floor(next() * values.length)];
      expect(outcome(after, o)).toEqual(outcome(before, o));
    }
  });

  test('the committed file is what `npm run import` writes', () => {
    const out = tempDir('import-k8s');
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/import-k8s.ts', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'k8s.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', 'k8s.ts'), 'utf8'));
  }, 60_000);
});
