/**
 * `npm run synth -- --watch` in a copy of the project: a save is picked up, a bad save leaves dist/ as it was and
 * the watcher alive with the error printed (and the type error of the changed file), a fixed save recovers.
 * Nothing here is timed: each step waits for an event in the output or in dist/, with generous time limits.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyProject, readTree, runEnv } from './project-copy';

jest.setTimeout(600_000);

const project = copyProject('watch');
const dist = path.join(project, '..', 'dist');
const app = path.join(project, 'apps', 'memcached', 'app.ts');
const original = fs.readFileSync(app, 'utf8');
let watcher: ChildProcess;
let output = '';
let exited = false;

/** Polls until `ready` holds; fails with the watcher's output after `limitMs`. */
async function until(what: string, ready: () => boolean, limitMs = 240_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!ready()) {
    if (exited) throw new Error(`the watcher exited while waiting for ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${limitMs} ms:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const yaml = () => (fs.existsSync(path.join(dist, 'memcached.yaml')) ? fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8') : '');
const rounds = () => output.split('\n').filter((l) => /synthesised in \d+ ms|synth failed \(see above\)/.test(l)).length;
/** Saves app.ts with `edit` applied to the original, and waits for the round it starts. */
async function save(edit: (text: string) => string): Promise<void> {
  const before = rounds();
  fs.writeFileSync(app, edit(original));
  await until('a round after the save', () => rounds() > before);
}

beforeAll(async () => {
  watcher = spawn(process.execPath, ['scripts/run.js', 'main.ts', '--watch', '-q', '--only', 'memcached', '--outdir', dist], { cwd: project, env: runEnv(project) });
  watcher.stdout!.on('data', (d) => (output += d));
  watcher.stderr!.on('data', (d) => (output += d));
  watcher.on('exit', () => (exited = true));
  await until('the first synth', () => /watching .* for changes/.test(output));
});

afterAll(() => {
  watcher.kill();
});

describe('synth --watch', () => {
  test('writes dist/ at start, then picks up a saved change', async () => {
    expect(yaml()).toContain('shipshape.dev/memcached-client');
    expect(yaml()).not.toContain('memcached-client-edited');
    await save((t) => t.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-edited'"));
    expect(yaml()).toContain('shipshape.dev/memcached-client-edited');
  });

  test('a bad change leaves dist/ byte-identical and the watcher alive, printing the error and the type error', async () => {
    const before = readTree(dist);
    // A construct error (memory limit below the cache) and a type error in the same save.
    await save((t) =>
      t
        .replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-edited'")
        .replace("new MemcachedCluster(this, 'memcached')", "new MemcachedCluster(this, 'memcached', { cacheSize: '64Gi' })")
        .concat("\nexport const notANumber: number = 'text';\n"),
    );
    // Named by the user's line, through the source map of the round's bundle.
    expect(output).toMatch(/synth failed: memcached\/memcached \(MemcachedCluster, apps\/memcached\/app\.ts:\d+\): .*cacheSize/);
    expect(output).toContain('the previous output folder was left as it was');
    expect(readTree(dist)).toEqual(before);
    await until('the type error of the changed file', () => /type error: apps\/memcached\/app\.ts\(\d+,\d+\): error TS2322/.test(output));
    expect(exited).toBe(false);
  });

  test('a syntax error is reported the same way', async () => {
    const before = readTree(dist);
    await save((t) => t.replace('build: (scope, env) => new MemcachedAppChart(scope, env),', 'build: (scope, env) => {{ new MemcachedAppChart(scope, env),'));
    expect(output).toMatch(/synth failed: apps\/memcached\/app\.ts\(\d+,\d+\)/);
    expect(readTree(dist)).toEqual(before);
    expect(exited).toBe(false);
  });

  test('a fixed change recovers', async () => {
    await save((t) => t.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-fixed'"));
    expect(yaml()).toContain('shipshape.dev/memcached-client-fixed');
    expect(output.split('\n').filter((l) => l.includes('synthesised in')).length).toBeGreaterThanOrEqual(3);
  });
});
