/**
 * `npm run synth -- --watch`: one warm process re-synthesises on every save of the project's sources (main.ts, environments.ts, lib/,
 * apps/, imports/, schemas/, package.json, tsconfig.json). Each round rebuilds the entry with an incremental esbuild
 * context (packages stay loaded, only the project's code is evaluated again), and runs the entry's own synth CLI,
 * validated and written atomically as always, with the gate and the picture on a helper thread that stays warm (it
 * is restarted when a file it was built from changes). Type errors of the changed files come from a TypeScript
 * LanguageService on a thread of its own (./type-check-worker.ts) and never hold the synth back. A failing round
 * leaves dist/ as it was and the watcher running; the next save tries again.
 */
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { Worker } from 'worker_threads';
import { SynthHelper } from './helper';
import type { TypeCheckReply } from './type-check-worker';

export interface WatchOptions {
  /** The project's root folder. */
  readonly root: string;
  /** The entry point that calls runSynthCli (main.ts). */
  readonly entry: string;
  /** The arguments of each synth (without --watch). */
  readonly args: readonly string[];
}

/** What a round of the entry's synth CLI reports back to the watcher, through the global below. */
export interface WatchHost {
  readonly helper?: SynthHelper;
  done(ok: boolean): void;
}
const HOST = Symbol.for('shipshape.watch-host');

/** The watcher of this process, when the synth runs as one of its rounds. */
export function watchHost(): WatchHost | undefined {
  return (globalThis as Record<symbol, WatchHost | undefined>)[HOST];
}

/** Folders watched recursively, and files of the root watched on their own. */
const WATCHED_FOLDERS = ['lib', 'apps', 'imports', 'schemas'];
const WATCHED_FILES = new Set(['main.ts', 'environments.ts', 'package.json', 'tsconfig.json']);

interface Runner {
  readonly CACHE: string;
  runner(): unknown;
  bundleOptions(entry: string): Record<string, unknown>;
  inputsOf(entry: string): string[] | undefined;
}

/**
 * The files behind a batch of events: editors save through a temporary file renamed over the original, and the
 * event may name either, so the folders of the events are searched for sources written since the last round.
 */
function changedFiles(reported: readonly string[], since: number): string[] {
  const changed = new Set<string>();
  for (const dir of new Set(reported.map((f) => path.dirname(f)))) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue; // the folder went away
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const stat = fs.statSync(file);
        if (stat.isFile() && stat.mtimeMs >= since - 1000 && /\.(ts|js|json|sh|ya?ml)$/.test(name)) changed.add(file);
      } catch {
        // removed meanwhile
      }
    }
  }
  for (const file of reported) if (!fs.existsSync(file) && /\.ts$/.test(file)) changed.add(file); // deleted sources
  return [...changed].sort();
}

export async function watchSynth(options: WatchOptions): Promise<{ close(): Promise<void> }> {
  const runner: Runner = require(path.join(options.root, 'scripts', 'run.js'));
  runner.runner(); // lets the helper threads start from their own bundles
  const esbuild: typeof import('esbuild') = require('esbuild');
  const log = (line: string) => console.log(`[watch ${new Date().toISOString().slice(11, 23)}] ${line}`);

  const helperEntry = path.join('lib', 'tooling', 'synth', 'helper-worker.ts');
  let helper = SynthHelper.start();
  // Kept in memory; its source map is written beside a name per round, so a construct error names the user's line
  // (./attribute.ts reads `<file>.map`, and caches by file name).
  const outfile = path.join(runner.CACHE, `watch-${process.pid}.js`);
  fs.mkdirSync(runner.CACHE, { recursive: true });
  const context = await esbuild.context({ ...runner.bundleOptions(options.entry), packages: 'external', write: false, metafile: true, outfile, sourcemap: 'external' } as any);
  let roundNumber = 0;
  let previousMap: string | undefined;
  const typeCheck = new Worker(path.join(options.root, 'scripts', 'run.js'), {
    argv: [path.join('lib', 'tooling', 'synth', 'type-check-worker.ts')],
    workerData: { root: options.root },
  });
  typeCheck.on('message', (reply: TypeCheckReply) => {
    if (reply.warm) return log('type checker ready');
    const names = reply.files.map((f) => path.relative(options.root, f)).join(', ');
    if (reply.errors.length === 0) log(`type check: no errors in ${names}`);
    for (const e of reply.errors) log(`type error: ${e}`);
  });
  typeCheck.on('error', (err) => log(`type check unavailable: ${err.message}`));

  /** One synth from the current sources; resolves when its CLI has finished (written, or failed and reported). */
  let roundStarted = 0;
  const round = async (): Promise<boolean> => {
    roundStarted = Date.now();
    let code: string;
    let map: string | undefined;
    try {
      const result = await context.rebuild();
      code = result.outputFiles!.find((f) => f.path.endsWith('.js'))!.text;
      map = result.outputFiles!.find((f) => f.path.endsWith('.map'))?.text;
    } catch (err) {
      const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors ?? [];
      for (const e of errors) log(`synth failed: ${e.location ? `${e.location.file}(${e.location.line},${e.location.column + 1}): ` : ''}${e.text}`);
      if (errors.length === 0) log(`synth failed: ${err instanceof Error ? err.message : String(err)}`);
      log('the previous output folder was left as it was');
      return finish(false);
    }
    const finished = new Promise<boolean>((resolve) => {
      (globalThis as Record<symbol, WatchHost>)[HOST] = { helper, done: resolve };
    });
    const argv = process.argv;
    process.argv = [argv[0], options.entry, ...options.args];
    try {
      const file = outfile.replace(/\.js$/, `-${++roundNumber}.js`);
      if (previousMap) fs.rmSync(previousMap, { force: true });
      if (map) fs.writeFileSync((previousMap = `${file}.map`), map);
      const mod = { exports: {} };
      new vm.Script(Module.wrap(code), { filename: file }).runInThisContext().call(mod.exports, mod.exports, createRequire(options.entry), mod, file, path.dirname(options.entry));
    } catch (err) {
      log(`synth failed: ${err instanceof Error ? err.message : String(err)}`);
      log('the previous output folder was left as it was');
      return finish(false);
    } finally {
      process.argv = argv;
    }
    return finish(await finished);
  };
  const finish = (ok: boolean): boolean => {
    process.exitCode = undefined; // a failed round is reported, the watcher goes on
    log(ok ? `synthesised in ${Date.now() - roundStarted} ms` : 'synth failed (see above); waiting for the next save');
    return ok;
  };

  let running: Promise<unknown> | undefined;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (file: string) => {
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(drain, 30); // editors write a file in several steps
  };
  let since = Date.now();
  const drain = async () => {
    if (running) return;
    const reported = [...pending];
    pending = new Set();
    if (reported.length === 0) return;
    const changed = changedFiles(reported, since);
    since = Date.now();
    log(`changed: ${(changed.length > 0 ? changed : reported).map((f) => path.relative(options.root, f)).join(', ')}`);
    const helperInputs = new Set((runner.inputsOf(helperEntry) ?? []).map((f) => path.resolve(options.root, f)));
    if (helper && changed.some((f) => helperInputs.has(f))) {
      await helper.close();
      helper = SynthHelper.start(); // the gate or the picture changed: a fresh helper from the new sources
    }
    running = round().then(() => {
      const ts = changed.filter((f) => f.endsWith('.ts'));
      if (ts.length > 0) typeCheck.postMessage({ files: ts });
    });
    await running;
    running = undefined;
    if (pending.size > 0) void drain();
  };

  const watchers = [
    ...WATCHED_FOLDERS.filter((d) => fs.existsSync(path.join(options.root, d))).map((d) =>
      fs.watch(path.join(options.root, d), { recursive: true }, (_event, name) => name && schedule(path.join(options.root, d, name.toString()))),
    ),
    fs.watch(options.root, (_event, name) => name && WATCHED_FILES.has(name.toString()) && schedule(path.join(options.root, name.toString()))),
  ];

  running = round();
  await running;
  running = undefined;
  typeCheck.postMessage({ files: [options.entry], warm: true });
  log(`watching ${[...WATCHED_FOLDERS, ...WATCHED_FILES].join(', ')} for changes (Ctrl-C stops)`);
  if (pending.size > 0) void drain();

  return {
    close: async () => {
      for (const w of watchers) w.close();
      clearTimeout(timer);
      await running;
      await context.dispose();
      if (previousMap) fs.rmSync(previousMap, { force: true });
      await typeCheck.terminate();
      await helper?.close();
    },
  };
}
