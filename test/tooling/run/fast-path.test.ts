/**
 * `npm run synth` runs main.ts from a cached esbuild bundle, with the gate and the picture on a helper thread
 * (scripts/run.js, lib/tooling/synth/helper.ts). It must write the same bytes as main.ts run from source, and a
 * changed app must show at the next synth.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyProject, readTree, runEnv } from '../../support/project-copy';

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

  test.each(['local', 'production'])('with the gate handed to the helper, the synth gives the same dist/ as in process, byte for byte (env %s)', (env) => {
    // A picture cache of this test's own: the first helped synth draws on the helper, the second reads what it kept.
    const pictures = { SHIPSHAPE_SVG_CACHE: out(`pictures-${env}`) };
    const helped = node(['scripts/run.js', 'main.ts', '-q', '--env', env, '--outdir', out(`helped-${env}`)], { SHIPSHAPE_STAGES: '1', SHIPSHAPE_PARALLEL: 'always', ...pictures });
    expect(stagesOf(helped)).toEqual(['start-up', 'construct tree', 'token resolution', 'graph', 'yaml', 'waiting for the gate', 'waiting for the picture', 'write']);
    const alone = node(['scripts/run.js', 'main.ts', '-q', '--env', env, '--outdir', out(`alone-${env}`)], { SHIPSHAPE_STAGES: '1', SHIPSHAPE_PARALLEL: 'off', SHIPSHAPE_SVG_CACHE: 'off' });
    expect(stagesOf(alone)).toEqual(['start-up', 'construct tree', 'token resolution', 'validation', 'yaml', 'graph', 'picture', 'write']);
    expect(readTree(out(`helped-${env}`))).toEqual(readTree(out(`alone-${env}`)));
    const kept = node(['scripts/run.js', 'main.ts', '-q', '--env', env, '--outdir', out(`kept-${env}`)], { SHIPSHAPE_STAGES: '1', SHIPSHAPE_PARALLEL: 'always', ...pictures });
    expect(stagesOf(kept)).not.toContain('waiting for the picture');
    expect(readTree(out(`kept-${env}`))).toEqual(readTree(out(`alone-${env}`)));
  });

  test('by default, a helper still cold when the objects are resolved is passed over: the gate runs on the main thread', () => {
    const r = node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', out('stages')], { SHIPSHAPE_STAGES: '1' });
    // Which one depends on the machine's speed; the picture is drawn on the helper, or read from the picture cache.
    const stages = stagesOf(r).filter((s) => s !== 'waiting for the picture');
    expect([
      ['start-up', 'construct tree', 'token resolution', 'graph', 'validation', 'yaml', 'write'],
      ['start-up', 'construct tree', 'token resolution', 'graph', 'yaml', 'waiting for the gate', 'write'],
    ]).toContainEqual(stages);
  });

  test('a finding stops the synth the same way on the helper and in process, with the same report, and leaves dist/ as it was', () => {
    const dist = out('gate');
    node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist]);
    const before = readTree(dist);
    const app = path.join(project, 'apps', 'memcached', 'app.ts');
    const original = fs.readFileSync(app, 'utf8');
    // Objects only the gate refuses (a field Kubernetes does not know, a duplicate), not a constructor error.
    const broken = `${original}\nimport { ApiObject } from 'cdk8s';\nconst buildChart = memcached.build.bind(memcached);\n(memcached as any).build = (scope: any, env: any, ctx: any) => {\n  const chart = buildChart(scope, env, ctx);\n  new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { bogusField: 1 } } as any);\n  new ApiObject(chart, 'bad-again', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { ports: [{ port: 70000 }] } } as any);\n  return chart;\n};\n`;
    fs.writeFileSync(app, broken);
    try {
      const reports = ['always', 'off'].map((parallel) => {
        const r = spawnSync(process.execPath, ['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', dist], { cwd: project, env: runEnv(project, { SHIPSHAPE_PARALLEL: parallel }), encoding: 'utf8' });
        expect(r.status).toBe(1);
        expect(readTree(dist)).toEqual(before);
        return r.stderr;
      });
      expect(reports[0]).toMatch(/validation found \d+ problem\(s\); nothing was written/);
      expect(reports[0]).toContain('Service/memcached/bad');
      expect(reports[0]).toContain("unknown field 'bogusField'");
      expect(reports[0]).toContain('defined twice');
      expect(reports[0]).toEqual(reports[1]);
    } finally {
      fs.writeFileSync(app, original);
    }
  });

  test('a changed tsconfig.json (read by esbuild, not among the inputs it lists) rebuilds the bundle', () => {
    const cache = path.join(project, '..', 'run-cache');
    const bundleKey = () => JSON.parse(fs.readFileSync(path.join(cache, fs.readdirSync(cache).find((f) => /^main\.ts-.*\.inputs\.json$/.test(f))!), 'utf8')).key;
    node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', out('tsconfig')]);
    const before = bundleKey();
    const tsconfig = path.join(project, 'tsconfig.json');
    const original = fs.readFileSync(tsconfig, 'utf8');
    fs.writeFileSync(tsconfig, original.replace('"compilerOptions": {', '"compilerOptions": {\n    "useDefineForClassFields": true,'));
    try {
      node(['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', out('tsconfig')]);
      expect(bundleKey()).not.toBe(before);
    } finally {
      fs.writeFileSync(tsconfig, original);
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
    // The rebuilt bundle has a code cache of its own that V8 accepts (a stale one was once kept and rejected forever).
    const bundle = fs.readdirSync(path.join(project, '..', 'run-cache')).find((f) => /^main\.ts-.*\.js$/.test(f))!;
    const file = path.join(project, '..', 'run-cache', bundle);
    const check = `const fs = require('fs'), vm = require('vm'), M = require('module'); const f = ${JSON.stringify(file)};
      const s = new vm.Script(M.wrap(fs.readFileSync(f, 'utf8')), { filename: f, cachedData: fs.readFileSync(f + '.v8') });
      process.stdout.write(String(s.cachedDataRejected));`;
    expect(node(['-e', check]).stdout).toBe('false');
  });
});
