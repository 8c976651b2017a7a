/**
 * `npm run synth` runs main.ts from a cached esbuild bundle, with the gate and the picture on a helper thread
 * (scripts/run.js, lib/tooling/synth/helper.ts). It must write the same bytes as main.ts run from source, and a
 * changed app must show at the next synth.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { VALIDATE_ON_HELPER_FROM } from '../../../lib/tooling/synth/helper';
import { copyProject, readTree, ROOT, runEnv } from './project-copy';

const project = copyProject('fast-path');
const node = (args: string[], extra: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, args, { cwd: project, env: runEnv(project, extra), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
};
const out = (name: string) => path.join(project, '..', name);

describe('the fast synth path', () => {
  test.each(['local', 'production'])('writes byte-identical dist/ to main.ts run from source with tsx (env %s)', (env) => {
    node(['scripts/run.js', 'main.ts', '-q', '--env', env, '--outdir', out(`fast-${env}`)], { SHIPSHAPE_STAGES: '1' });
    node(['--require', 'tsx/cjs', 'main.ts', '-q', '--env', env, '--outdir', out(`source-${env}`)]);
    const fast = readTree(out(`fast-${env}`));
    expect(Object.keys(fast)).toEqual(expect.arrayContaining(['Kustomization', 'graph.dot', 'graph.svg', 'rocketchat.yaml', 'memcached.yaml']));
    expect(fast).toEqual(readTree(out(`source-${env}`)));
  });

  const stagesOf = (r: { stderr: string }) => Object.keys(JSON.parse(/stages: (\{.*\})/.exec(r.stderr)![1]));

  test('a small synth validates on the main thread and draws on the helper, and reports per-stage times', () => {
    const r = node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', out('stages')], { SHIPSHAPE_STAGES: '1' });
    expect(stagesOf(r)).toEqual(['start-up', 'construct tree', 'token resolution', 'yaml', 'graph', 'validation', 'waiting for the picture', 'write']);
  });

  test(`from ${VALIDATE_ON_HELPER_FROM} objects the gate runs on the helper, with the same verdict and bytes as in process`, () => {
    fs.cpSync(path.join(ROOT, 'bench', 'generated.ts'), path.join(project, 'bench', 'generated.ts'));
    const count = String(Math.ceil(VALIDATE_ON_HELPER_FROM / 6)); // six objects per generated service
    const r = node(['scripts/run.js', 'bench/generated.ts', count, out('many')], { SHIPSHAPE_STAGES: '1' });
    expect(stagesOf(r)).toEqual(expect.arrayContaining(['validation (handing over)', 'waiting for the gate']));
    expect(stagesOf(r)).not.toContain('validation');
    node(['scripts/run.js', 'bench/generated.ts', count, out('many-in-process')], { SHIPSHAPE_PARALLEL: 'off' });
    expect(readTree(out('many'))).toEqual(readTree(out('many-in-process')));
  });

  test('a bad construct fails through the helper as it does in process, and leaves dist/ as it was', () => {
    const dist = out('gate');
    node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist]);
    const before = readTree(dist);
    const app = path.join(project, 'apps', 'memcached', 'app.ts');
    const original = fs.readFileSync(app, 'utf8');
    // An object only the gate refuses (a field Kubernetes does not know), not a constructor error.
    const broken = `${original}\nimport { ApiObject } from 'cdk8s';\nconst buildChart = memcached.build.bind(memcached);\n(memcached as any).build = (scope: any, env: any, ctx: any) => {\n  const chart = buildChart(scope, env, ctx);\n  new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { bogusField: 1 } } as any);\n  return chart;\n};\n`;
    fs.writeFileSync(app, broken);
    try {
      const r = spawnSync(process.execPath, ['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist], { cwd: project, env: runEnv(project), encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/validation found \d+ problem\(s\); nothing was written/);
      expect(r.stderr).toContain('Service/memcached/bad');
      expect(r.stderr).toContain("unknown field 'bogusField'");
      expect(readTree(dist)).toEqual(before);
    } finally {
      fs.writeFileSync(app, original);
    }
  });

  test('an edited app shows at the next synth (the bundle is rebuilt from the changed source)', () => {
    const dist = out('edited');
    node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist]);
    expect(fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8')).not.toContain('memcached-client-edited');
    const app = path.join(project, 'apps', 'memcached', 'app.ts');
    fs.writeFileSync(app, fs.readFileSync(app, 'utf8').replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-edited'"));
    node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist]);
    expect(fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8')).toContain('shipshape.dev/memcached-client-edited');
  });
});
