/**
 * imports/k8s.ts is cdk8s-cli's import of the kept 1.27 schema with one rewrite (scripts/import-k8s.ts): the
 * quadratic reduce that drops undefined values becomes one pass. The committed file must be what `npm run import`
 * writes, and the rewrite must build the very same objects.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { linearUndefinedFilter } from '../../scripts/import-k8s';
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

  test('the committed file is what `npm run import` writes', () => {
    const out = tempDir('import-k8s');
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/import-k8s.ts', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'k8s.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', 'k8s.ts'), 'utf8'));
  }, 60_000);
});
