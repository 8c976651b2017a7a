/**
 * The time from a saved one-line change to the new dist/ of the catalogue, in `npm run synth -- --watch`: a copy of
 * the project in a temporary folder (node_modules linked), a watcher on it, then a scripted edit of one app's line,
 * a new value each time; each sample ends when dist/ holds the new value (dist/ is replaced atomically, so the file
 * is read whole or not at all). Every other save is made as vim, JetBrains' safe write and `sed -i` make it (a
 * temporary file renamed over the source), the others in place: a watcher that misses either gives no sample.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const COPIED = ['main.ts', 'environments.ts', 'lib', 'apps', 'imports', 'schemas', 'scripts/run.js', 'package.json', 'package-lock.json', 'tsconfig.json'];

export async function watchLatency(root: string, work: string, runs: number, env: NodeJS.ProcessEnv): Promise<number[]> {
  const project = path.join(work, 'project');
  for (const entry of COPIED.filter((e) => fs.existsSync(path.join(root, e)))) fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
  const dist = path.join(work, 'dist');
  const app = path.join(project, 'apps', 'memcached', 'app.ts');
  const original = fs.readFileSync(app, 'utf8');
  const line = "export const CLIENT_LABEL = 'shipshape.dev/memcached-client';";
  if (!original.includes(line)) throw new Error(`bench: ${app} no longer has the line the bench edits: ${line}`);

  let output = '';
  const watcher: ChildProcess = spawn(process.execPath, ['scripts/run.js', 'main.ts', '--watch', '-q', '--outdir', dist], {
    cwd: project,
    // A picture cache of its own: each save changes the picture, which a cache kept from an earlier bench would hold.
    env: { ...env, SHIPSHAPE_RUN_CACHE: path.join(work, 'run-cache'), SHIPSHAPE_SVG_CACHE: path.join(work, 'svg-cache') },
  });
  watcher.stdout!.on('data', (d) => (output += d));
  watcher.stderr!.on('data', (d) => (output += d));
  const until = async (ready: () => boolean, what: string, limitMs = 300_000) => {
    const deadline = Date.now() + limitMs;
    while (!ready()) {
      if (watcher.exitCode !== null || Date.now() > deadline) throw new Error(`bench: watch mode gave no ${what}:\n${output}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const distHas = (text: string) => {
    try {
      return fs.readFileSync(path.join(dist, 'memcached.yaml'), 'utf8').includes(text);
    } catch {
      return false;
    }
  };
  try {
    await until(() => /watching .* for changes/.test(output), 'first synth');
    // The type checker loads its program first, as it has after the first minute of a session.
    await until(() => output.includes('type checker ready'), 'type checker');
    const samples: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const value = `shipshape.dev/memcached-client-v${i}`;
      const started = process.hrtime.bigint();
      const text = original.replace(line, `export const CLIENT_LABEL = '${value}';`);
      if (i % 2 === 1) {
        fs.writeFileSync(`${app}.tmp~`, text);
        fs.renameSync(`${app}.tmp~`, app);
      } else {
        fs.writeFileSync(app, text);
      }
      await until(() => distHas(`${value}:`), `dist/ with ${value} within a minute (a save ${i % 2 === 1 ? 'by rename' : 'in place'})`, 60_000);
      if (i > 0) samples.push(Number(process.hrtime.bigint() - started) / 1e9); // the first is the warm-up
      await new Promise((r) => setTimeout(r, 300));
    }
    return samples;
  } finally {
    watcher.kill();
  }
}
