/**
 * `npm run synth -- --watch` in a copy of the project: a save is picked up, a bad save leaves dist/ as it was and
 * the watcher alive with the error printed (and the type error of the changed file), a fixed save recovers.
 * Nothing here is timed: each step waits for an event in the output or in dist/, with generous time limits.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyProject, readTree, runEnv } from '../../support/project-copy';

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
/**
 * Saves app.ts with `edit` applied to the original, and waits for the round it starts: in place (open, truncate,
 * write), or as vim, JetBrains' safe write and `sed -i` do, a temporary file beside it renamed over it.
 */
async function save(edit: (text: string) => string, how: 'in place' | 'by rename' = 'in place'): Promise<void> {
  const before = rounds();
  if (how === 'in place') {
    fs.writeFileSync(app, edit(original));
  } else {
    fs.writeFileSync(`${app}.tmp~`, edit(original));
    fs.renameSync(`${app}.tmp~`, app);
  }
  await until(`a round after the save ${how}`, () => rounds() > before);
}

/** A source map a watcher stopped by Ctrl-C left in the bundle cache (no process has this id). */
const leftOver = path.join(project, '..', 'run-cache', 'watch-4194303-7.js.map');

beforeAll(async () => {
  fs.mkdirSync(path.dirname(leftOver), { recursive: true });
  fs.writeFileSync(leftOver, '{}');
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
  test('removes the source maps a stopped watcher left in the cache', () => {
    expect(fs.existsSync(leftOver)).toBe(false);
    expect(fs.readdirSync(path.dirname(leftOver)).some((f) => new RegExp(`^watch-${watcher.pid}-`).test(f))).toBe(true);
  });

  test('writes dist/ at start, then picks up a saved change', async () => {
    expect(yaml()).toContain('shipshape.dev/memcached-client');
    expect(yaml()).not.toContain('memcached-client-edited');
    await save((t) => t.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-edited'"));
    expect(yaml()).toContain('shipshape.dev/memcached-client-edited');
  });

  test('a save by rename (a temporary file renamed over the source) is picked up, and so is the next in-place write', async () => {
    await save((t) => t.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-renamed'"), 'by rename');
    expect(yaml()).toContain('shipshape.dev/memcached-client-renamed');
    await save((t) => t.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-in-place'"));
    expect(yaml()).toContain('shipshape.dev/memcached-client-in-place');
    expect(yaml()).not.toContain('memcached-client-renamed');
  });

  test('a new file in a new folder is picked up, and so are its later changes', async () => {
    // app.ts imports a file that does not exist yet: that round fails; creating the folder and the file alone must
    // start the next round.
    await save((t) => t.replace("'shipshape.dev/memcached-client'", 'CLIENT_SUFFIX').concat("\nimport { CLIENT_SUFFIX } from './labels/client';\n"));
    expect(output).toMatch(/synth failed: .*labels\/client/);
    const folder = path.join(project, 'apps', 'memcached', 'labels');
    let before = rounds();
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'client.ts'), "export const CLIENT_SUFFIX = 'shipshape.dev/memcached-client-from-new-folder';\n");
    await until('a round after the new file', () => rounds() > before);
    await until('dist/ from the new file', () => yaml().includes('shipshape.dev/memcached-client-from-new-folder'));
    before = rounds();
    fs.writeFileSync(path.join(folder, 'client.ts'), "export const CLIENT_SUFFIX = 'shipshape.dev/memcached-client-new-folder-edited';\n");
    await until('a round after the edit in the new folder', () => rounds() > before);
    await until('dist/ from the edited new file', () => yaml().includes('shipshape.dev/memcached-client-new-folder-edited'));
  });

  test('a file that starts reading a file beside itself through __dirname finds it', async () => {
    // __dirname must name the source's folder (scripts/run.js gives it to the files that use it, found once): a
    // save that starts using it is seen.
    const folder = path.join(project, 'apps', 'memcached', 'labels');
    fs.writeFileSync(path.join(folder, 'suffix.txt'), 'shipshape.dev/memcached-client-read-beside\n');
    const before = rounds();
    fs.writeFileSync(
      path.join(folder, 'client.ts'),
      "import * as fs from 'fs';\nimport * as path from 'path';\nexport const CLIENT_SUFFIX = fs.readFileSync(path.join(__dirname, 'suffix.txt'), 'utf8').trim();\n",
    );
    await until('a round after the edit', () => rounds() > before);
    await until('dist/ from the file read beside the source', () => yaml().includes('shipshape.dev/memcached-client-read-beside'));
  });

  test('a change of imports/k8s.ts (loaded once, outside the rounds) is picked up', async () => {
    const k8s = path.join(project, 'imports', 'k8s.ts');
    const generated = fs.readFileSync(k8s, 'utf8');
    let before = rounds();
    fs.writeFileSync(k8s, `${generated}\nthrow new Error('imports/k8s.ts was edited');\n`);
    await until('a round after the edit of imports/k8s.ts', () => rounds() > before);
    expect(output).toContain('synth failed: imports/k8s.ts was edited');
    before = rounds();
    fs.writeFileSync(k8s, generated);
    await until('a round after imports/k8s.ts was restored', () => rounds() > before);
    expect(output.trimEnd().split('\n').filter((l) => /synthesised in|synth failed \(see above\)/.test(l)).at(-1)).toMatch(/synthesised in/);
  });

  test('a change under lib/ (loaded once, outside the rounds) is picked up, and so is its undoing', async () => {
    const file = path.join(project, 'lib', 'workloads', 'memcached-cluster.ts');
    const source = fs.readFileSync(file, 'utf8');
    const liveness = "Probe.tcp('memcached', { periodSeconds: 10, failureThreshold: 6 })";
    expect(source).toContain(liveness);
    const write = async (text: string) => {
      const before = rounds();
      fs.writeFileSync(file, text);
      await until('a round after the edit of lib/', () => rounds() > before);
    };
    expect(yaml()).not.toContain('failureThreshold: 9');
    await write(source.replace(liveness, liveness.replace('failureThreshold: 6', 'failureThreshold: 9')));
    expect(yaml()).toContain('failureThreshold: 9');
    // A syntax error in lib/ is named by its file and line, as one in apps/ is, and dist/ stays.
    const before = readTree(dist);
    await write(source.replace(liveness, `${liveness} {{`));
    expect(output).toMatch(/synth failed: lib\/workloads\/memcached-cluster\.ts\(\d+,\d+\)/);
    expect(readTree(dist)).toEqual(before);
    await write(source);
    expect(yaml()).not.toContain('failureThreshold: 9');
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

  test('a save 30 ms after another reaches dist/, though chokidar drops a file\'s change events for 50 ms after one', async () => {
    // The first save fails fast (a syntax error), so its round may end before the second save, which no event reports.
    fs.writeFileSync(app, original.replace('build: (scope, env) => new MemcachedAppChart(scope, env),', 'build: (scope, env) => {{ new MemcachedAppChart(scope, env),'));
    await new Promise((r) => setTimeout(r, 30));
    fs.writeFileSync(app, original.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-quick'"));
    await until('dist/ from the second save', () => yaml().includes('shipshape.dev/memcached-client-quick'), 20_000);
    fs.writeFileSync(app, original.replace("'shipshape.dev/memcached-client'", "'shipshape.dev/memcached-client-fixed'"));
    await until('dist/ as before', () => yaml().includes('shipshape.dev/memcached-client-fixed'), 20_000);
  });

  test('after all these rounds, dist/ holds the bytes a one-shot synth of the same sources writes', () => {
    // lib/ stays loaded from round to round: nothing of one synth may leak into the next.
    const once = path.join(project, '..', 'once');
    const r = spawnSync(process.execPath, ['scripts/run.js', 'main.ts', '-q', '--only', 'memcached', '--outdir', once], { cwd: project, env: runEnv(project), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readTree(dist)).toEqual(readTree(once));
  });
});
