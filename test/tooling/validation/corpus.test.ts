/**
 * The fixture corpus: every file under pass/ validates cleanly; every file
 * under fail/ names the rule and message it must produce in its first line
 * (`# expect: <rule> | <message>`), and the valid base it was made from
 * (pass/web.yaml) does not produce that rule.
 */
import * as fs from 'fs';
import * as path from 'path';
import { validateManifests } from '../../../lib/tooling/validation';
import { loadManifests } from '../../../lib/tooling/manifest/load';

const root = path.join(__dirname, '..', '..', 'fixtures', 'validation');
const files = (dir: string) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.yaml')).sort();

function findings(file: string) {
  return validateManifests(loadManifests(path.join(root, file))).findings;
}

describe('validation corpus', () => {
  test.each(files('pass'))('pass/%s has no findings', (file) => {
    expect(findings(`pass/${file}`)).toEqual([]);
  });

  const baseRules = new Set(findings('pass/web.yaml').map((f) => f.rule));
  test.each(files('fail'))('fail/%s produces its expected finding', (file) => {
    const header = fs.readFileSync(path.join(root, 'fail', file), 'utf8').split('\n')[0];
    const match = /^# expect: (\S+) \| (.+)$/.exec(header);
    expect(match).not.toBeNull();
    const [, rule, message] = match!;
    expect(baseRules.has(rule)).toBe(false);
    const got = findings(`fail/${file}`);
    const hit = got.find((f) => f.rule === rule && f.message.includes(message));
    if (!hit) throw new Error(`expected ${rule} '${message}', got:\n${got.map((f) => `${f.rule}: ${f.message}`).join('\n')}`);
    expect(path.basename(hit.file)).toBe(file);
    expect(hit.object).toMatch(/^\w+\//);
  });

  test('a finding names the rule, file, object, field path and message', () => {
    const [f] = findings('fail/pss-run-as-root-user.yaml').filter((x) => x.rule === 'pss-restricted/run-as-non-root-user');
    expect({ ...f, file: path.basename(f.file) }).toEqual({
      rule: 'pss-restricted/run-as-non-root-user',
      file: 'pss-run-as-root-user.yaml',
      object: 'Deployment/shop/web',
      constructPath: undefined,
      field: 'spec.template.spec.containers[0].securityContext.runAsUser',
      message: "container 'web' runs as user 0; use a non-zero user id",
    });
  });

  test('a field newer than 1.27 fails 1.27 and passes 1.36', () => {
    const records = loadManifests(path.join(root, 'fail', 'schema-field-newer-than-1.27.yaml'));
    expect(validateManifests(records, { versions: ['1.27'] }).findings.map((f) => f.rule)).toContain('schema-1.27');
    expect(validateManifests(records, { versions: ['1.36'] }).findings.map((f) => f.rule)).not.toContain('schema-1.36');
  });

  test('exemptions and external references are reported', () => {
    const exempt = validateManifests(loadManifests(path.join(root, 'pass', 'exempt-namespace.yaml')));
    expect(exempt.exemptions).toEqual([{ namespace: 'shop', level: 'privileged', reason: 'log shipper reads node logs through hostPath' }]);
    const external = validateManifests(loadManifests(path.join(root, 'pass', 'statefulset-external-secret.yaml')));
    expect(external.externalRefs).toEqual([{ ref: 'Secret/shop/db-credentials', usedBy: 'StatefulSet/shop/db' }]);
  });
});
