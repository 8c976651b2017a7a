import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { memcached } from '../../apps/memcached/app';
import { runSynthCli } from '../../lib/tooling/synth/cli';
import { tempDir } from '../helpers';

const root = path.join(__dirname, '..', '..');

async function captured(fn: () => Promise<void>): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s) => void out.push(String(s)));
  const error = jest.spyOn(console, 'error').mockImplementation((s) => void err.push(String(s)));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  // commander prints --help to stdout: captured, so `npm test` prints no stray help text.
  const writeOut = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  process.exitCode = undefined;
  try {
    await fn();
    return { out: out.join('\n'), err: err.join('\n'), code: Number(process.exitCode ?? 0) };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    writeOut.mockRestore();
    process.exitCode = undefined;
  }
}

describe('synth CLI', () => {
  const outdir = path.join(tempDir('cli'), 'dist');
  const argv = (...args: string[]) => ['node', 'main.ts', '--outdir', outdir, ...args];

  test('prints a summary of apps, objects per kind, files and time; writes the graph beside the YAML', async () => {
    const r = await captured(() => runSynthCli([memcached], argv('--env', 'production')));
    expect(r.code).toBe(0);
    expect(r.out).toContain("synthesised 1 app(s) for env 'production': memcached");
    expect(r.out).toMatch(/objects: 9 \(ConfigMap 1, Namespace 1, NetworkPolicy 3, PodDisruptionBudget 1, Service 1, ServiceAccount 1, StatefulSet 1\)/);
    expect(r.out).toMatch(/KUBECTL_APPLYSET=true kubectl apply -n memcached --prune --applyset=configmaps\/memcached-applyset -f \S+\/memcached.yaml/);
    expect(r.out).toMatch(/time: \d+ ms/);
    expect(fs.readdirSync(outdir).sort()).toEqual(['.shipshape-dist', 'Kustomization', 'graph.dot', 'graph.svg', 'memcached.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'graph.svg'), 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*StatefulSet memcached/);
    expect(fs.readFileSync(path.join(outdir, 'Kustomization'), 'utf8')).not.toContain('graph');
  });

  test('unknown options, envs and apps exit non-zero with what exists', async () => {
    expect((await captured(() => runSynthCli([memcached], argv('--bogus')))).err).toContain("unknown option '--bogus'");
    const env = await captured(() => runSynthCli([memcached], argv('--env', 'staging')));
    expect(env.code).toBe(1);
    expect(env.err).toContain("unknown environment 'staging'; use one of: local, production");
    const app = await captured(() => runSynthCli([memcached], argv('--only', 'kafka')));
    expect(app.code).toBe(1);
    expect(app.err).toContain("unknown app(s) 'kafka'; known apps: memcached");
  });

  test('--help lists the options', async () => {
    const r = await captured(() => runSynthCli([memcached], ['node', 'main.ts', '--help']));
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: npm run synth -- [options]');
    expect(r.out).toMatch(/--outdir <dir> +output folder/);
    expect(r.err).toBe('');
  });
});

describe('validate CLI', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/validate.ts', ...args], { cwd: root, encoding: 'utf8' });

  test('exits 0 on a clean file and 1 with every finding listed on a bad one', () => {
    const ok = run('test/fixtures/validation/pass/web.yaml');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('no findings');
    const bad = run('test/fixtures/validation/fail/pss-privileged.yaml');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('[pss-baseline/privileged] test/fixtures/validation/fail/pss-privileged.yaml: Deployment/shop/web');
    expect(bad.stderr).toContain('spec.template.spec.containers[0].securityContext.privileged');
  });

  test('--k8s picks one version', () => {
    expect(run('--k8s', '1.36', 'test/fixtures/validation/fail/schema-field-newer-than-1.27.yaml').status).toBe(0);
    expect(run('--k8s', '1.27', 'test/fixtures/validation/fail/schema-field-newer-than-1.27.yaml').status).toBe(1);
  });
});

describe('validate CLI applies the API-server rules to any YAML', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/validate.ts', ...args], { cwd: root, encoding: 'utf8' });

  test('a CronJob name over 52 characters and an env name 1.27 refuses', () => {
    const cron = run('test/fixtures/validation/fail/api-cronjob-name-too-long.yaml');
    expect(cron.status).toBe(1);
    expect(cron.stderr).toContain('[api/name] test/fixtures/validation/fail/api-cronjob-name-too-long.yaml: CronJob/shop/report-of-every-order-placed-by-every-customer-nightly');
    const env = run('test/fixtures/validation/fail/api-env-name-space.yaml');
    expect(env.status).toBe(1);
    expect(env.stderr).toContain("env name 'LOG LEVEL'");
    expect(env.stderr).toContain('Kubernetes 1.27 refuses it (1.32 and later accept it)');
  });
});
