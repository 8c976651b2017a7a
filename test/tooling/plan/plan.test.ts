/**
 * The plan over before/after fixtures: each folder under fixtures/plan is
 * one class of change; its after/shop.yaml names, in `# expect: <exit> | <text>`
 * lines, the exit code and the text the report must contain. Then the plan
 * over real synths: identical synths report no change; a real claim-template
 * change is refused; the CLI and --against run end to end.
 */
import * as fs from 'fs';
import * as path from 'path';
import { memcached } from '../../../apps/memcached/app';
import { Environment } from '../../../lib/building-blocks/environment';
import { MongoReplicaSet } from '../../../lib/workloads/mongodb/mongo-replica-set';
import { runPlanCli, synthAtRef } from '../../../lib/tooling/plan/cli';
import { formatPlan, makePlan, planExitCode } from '../../../lib/tooling/plan/plan';
import { isApplySetParent } from '../../../lib/tooling/manifest/applyset';
import { synthesize } from '../../../lib/tooling/synth/synthesize';
import { loadManifests } from '../../../lib/tooling/manifest/load';
import { synthChart, tempDir } from '../../helpers';

const root = path.join(__dirname, '..', '..', 'fixtures', 'plan');
const cases = fs.readdirSync(root).sort();

function expectations(file: string): { exit: number; text: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^# expect: (\d) \| (.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ exit: Number(m[1]), text: m[2].replace(/\\n/g, '\n') }));
}

describe('plan fixtures', () => {
  test.each(cases)('%s', (name) => {
    const after = path.join(root, name, 'after');
    const expected = expectations(path.join(after, 'shop.yaml'));
    expect(expected.length).toBeGreaterThan(0);
    const plan = makePlan(loadManifests(path.join(root, name, 'before')), loadManifests(after));
    const report = formatPlan(plan);
    for (const e of expected) expect(report).toContain(e.text);
    expect(new Set(expected.map((e) => e.exit)).size).toBe(1);
    expect(planExitCode(plan)).toBe(expected[0].exit);
  });

  test('secret values never appear in the report, only that they changed', () => {
    const report = formatPlan(makePlan(loadManifests(path.join(root, 'deployment-image', 'before')), loadManifests(path.join(root, 'deployment-image', 'after'))));
    expect(report).not.toMatch(/aHVudGVyMg|c3dvcmRmaXNo/);
  });

  test('an image bump folds the version label into one line instead of one change per object', () => {
    const report = formatPlan(makePlan(loadManifests(path.join(root, 'version-bump', 'before')), loadManifests(path.join(root, 'version-bump', 'after'))));
    expect(report).not.toContain('labels["app.kubernetes.io/version"]');
    expect(report.match(/app\.kubernetes\.io\/version/g)).toHaveLength(1);
  });

  test('--allow-recreate and --allow-risky turn the exit code to 0, each for its own class only', () => {
    const refused = makePlan(loadManifests(path.join(root, 'statefulset-claim-grows', 'before')), loadManifests(path.join(root, 'statefulset-claim-grows', 'after')));
    expect(planExitCode(refused, { allowRisky: true })).toBe(2);
    expect(planExitCode(refused, { allowRecreate: true })).toBe(0);
    const risky = makePlan(loadManifests(path.join(root, 'replicas-to-zero', 'before')), loadManifests(path.join(root, 'replicas-to-zero', 'after')));
    expect(planExitCode(risky, { allowRecreate: true })).toBe(3);
    expect(planExitCode(risky, { allowRisky: true })).toBe(0);
  });

  test('an app that leaves the code is flagged with the commands that remove it', () => {
    const before = synthChart(() => undefined, Environment.LOCAL, { namespace: 'gone' });
    const plan = makePlan(before, []);
    expect(plan.risky.map((f) => f.object)).toEqual(['app gone']);
    expect(plan.risky[0].steps).toEqual(['kubectl delete namespace gone   # and everything in it']);
    expect(planExitCode(plan)).toBe(3);
  });
});

describe('plan over real synths', () => {
  function tmp(): string {
    return tempDir('plan-test');
  }

  test('a MongoDB replica set whose volumes grow is refused, with the orphan-and-patch steps and its apply command', () => {
    const build = (storageSize: string) => synthChart((chart) => new MongoReplicaSet(chart, 'db', { storageSize }), Environment.LOCAL);
    const plan = makePlan(build('8Gi'), build('20Gi'));
    expect(plan.refused.map((f) => [f.object, f.fields])).toEqual([['StatefulSet/test/db', ['spec.volumeClaimTemplates[data].spec.resources.requests.storage']]]);
    expect(plan.refused[0].steps).toEqual([
      'kubectl delete statefulset db -n test --cascade=orphan   # pods and claims keep running',
      'KUBECTL_APPLYSET=true kubectl apply -n test --prune --applyset=configmaps/test-applyset -f dist/test.yaml',
      `kubectl patch pvc data-db-0 -n test -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'`,
    ]);
    expect(planExitCode(plan)).toBe(2);
  });

  test('the CLI against an identical synth of dist reports no change and exits 0; dist is not touched', () => {
    const dist = path.join(tmp(), 'dist');
    synthesize({ env: Environment.PRODUCTION, apps: [memcached], outdir: dist });
    const before = fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = runPlanCli([memcached], ['node', 'plan', '--dist', dist]);
      const out = log.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(out).toContain("plan for env 'production'");
      expect(out).toContain('memcached: no change');
      expect(out).toContain('no changes');
      expect(code).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8')).toBe(before);
  });

  test('the CLI names unknown apps and exits 1', () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(runPlanCli([memcached], ['node', 'plan', '--only', 'nope'])).toBe(1);
      expect(err.mock.calls.join('\n')).toContain("unknown app(s) 'nope'; known apps: memcached");
    } finally {
      err.mockRestore();
    }
  });

  test('--against synthesises a git ref in a temporary worktree and removes it', () => {
    const repo = path.join(__dirname, '..', '..', '..');
    if (!fs.existsSync(path.join(repo, '.git'))) throw new Error('the project must be a git checkout for this test');
    const records = synthAtRef(repo, 'HEAD', Environment.LOCAL);
    expect(records.filter((r) => isApplySetParent(r.manifest)).length).toBeGreaterThan(0);
    const worktrees = require('child_process').execFileSync('git', ['worktree', 'list'], { cwd: repo, encoding: 'utf8' });
    expect(worktrees).not.toContain('shipshape-plan-ref');
  }, 30000);
});
