/**
 * `npm run synth -- --watch`: one warm process re-synthesises on every save of the project's sources (main.ts, environments.ts, lib/,
 * apps/, imports/, schemas/, package.json, tsconfig.json). Each round rebuilds the entry with an incremental esbuild
 * context (packages, lib/ and imports/k8s.ts stay loaded until they change, see ./watch-modules.ts; the rest of the
 * project's code is evaluated again), and runs the entry's own synth CLI,
 * validated and written atomically as always, with the gate and the picture on helper threads that stay warm (they
 * are restarted when a file they were built from changes). Type errors of the changed files come from a TypeScript
 * LanguageService on a thread of its own (./type-check-worker.ts) and never hold the synth back. A failing round
 * leaves dist/ as it was and the watcher running; the next save tries again.
 */
import { watch as watchFiles } from 'chokidar';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { SynthHelper } from './helper';
import type { TypeCheckReply } from './type-check-worker';
import { OutsideModules, runBundle } from './watch-modules';

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
  bundleOptions(entry: string, sourcePathFiles: readonly string[]): Record<string, unknown>;
  sourcePathFiles(): string[];
  inputsOf(entry: string): string[] | undefined;
}

/**
 * Whether a path is one the watcher follows: the folders above and everything below them, the files above, and the
 * root itself (chokidar asks about each folder before it descends, so node_modules/ and dist/ are never walked).
 */
function watched(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  if (rel === '') return true;
  const [top, ...below] = rel.split(path.sep);
  return WATCHED_FOLDERS.includes(top) || (below.length === 0 && WATCHED_FILES.has(top));
}

/** Files a synth reads (sources, scripts and data read beside a module, schemas); editors' swap and backup files are not. */
const SOURCE = /\.(ts|js|json|sh|ya?ml)$/;

/** Size and modification time, to see whether a file was written again while a round read it. */
function stamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'gone';
  }
}

/**
 * The gate's helper thread, with the pictures drawn on a second helper thread of their own: the main thread only waits
 * during a round, so the gate and Graphviz run side by side on the two cores instead of one after the other. A save
 * that leaves graph.dot as it was finds its picture in the picture cache (../graph/svg-cache.ts) and draws nothing.
 */
function startHelpers(): { helper?: SynthHelper; alive(): boolean; close(): Promise<void> } {
  const helper = SynthHelper.start();
  const pictures = helper && SynthHelper.start();
  if (helper && pictures) helper.renderSvg = (dot: string) => pictures.renderSvg(dot);
  return {
    helper,
    alive: () => (helper?.alive ?? true) && (pictures?.alive ?? true),
    close: async () => void (await Promise.all([helper?.close(), pictures?.close()])),
  };
}

/** Ctrl-C ends a watcher without cleaning up: the source maps it left in the cache are removed by the next one. */
function removeMapsOfStoppedWatchers(cache: string): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const name of fs.readdirSync(cache)) {
    const pid = Number(/^watch-(\d+)-.*\.map$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) fs.rmSync(path.join(cache, name), { force: true });
  }
}

export async function watchSynth(options: WatchOptions): Promise<{ close(): Promise<void> }> {
  const runner: Runner = require(path.join(options.root, 'scripts', 'run.js'));
  runner.runner(); // lets the helper threads start from their own bundles
  const esbuild: typeof import('esbuild') = require('esbuild');
  const log = (line: string) => console.log(`[watch ${new Date().toISOString().slice(11, 23)}] ${line}`);

  const helperEntry = path.join('lib', 'tooling', 'synth', 'helper-worker.ts');
  let helpers = startHelpers();
  // Kept in memory; its source map is written beside a name per round, so a construct error names the user's line
  // (./attribute.ts reads `<file>.map`, and caches by file name).
  const outfile = path.join(runner.CACHE, `watch-${process.pid}.js`);
  fs.mkdirSync(runner.CACHE, { recursive: true });
  removeMapsOfStoppedWatchers(runner.CACHE);
  // The files that use __dirname/__filename get them through a plugin made for exactly those files (scripts/run.js):
  // a save that adds or drops such a use makes a new context.
  let sourcePathFiles = new Set(runner.sourcePathFiles());
  const bundleOptions = (entry: string, file: string) => {
    const base = runner.bundleOptions(entry, [...sourcePathFiles]) as { plugins: unknown[] };
    return { ...base, packages: 'external', write: false, outfile: file, sourcemap: 'external', sourcesContent: false } as any;
  };
  const outside = new OutsideModules({ root: options.root, entry: options.entry, cache: runner.CACHE, bundleOptions });
  const makeContext = () => {
    const base = bundleOptions(options.entry, outfile);
    return esbuild.context({ ...base, plugins: [...base.plugins, outside.roundPlugin], metafile: true });
  };

  let context = await makeContext();
  const refreshSourcePaths = async (changed: readonly string[]) => {
    const uses = (f: string) => fs.existsSync(f) && /__dirname|__filename/.test(fs.readFileSync(f, 'utf8'));
    if (changed.every((f) => !f.endsWith('.ts') || uses(f) === sourcePathFiles.has(f))) return;
    sourcePathFiles = new Set(runner.sourcePathFiles());
    await context.dispose();
    context = await makeContext();
  };
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
  let rebuilt = 0;
  const round = async (): Promise<boolean> => {
    roundStarted = Date.now();
    let code: string;
    let map: string | undefined;
    let roundRequire: NodeJS.Require;
    try {
      const result = await context.rebuild();
      rebuilt = Date.now();
      code = result.outputFiles!.find((f) => f.path.endsWith('.js'))!.text;
      map = result.outputFiles!.find((f) => f.path.endsWith('.map'))?.text;
      roundRequire = await outside.requireFor(result.metafile!);
    } catch (err) {
      const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors ?? [];
      for (const e of errors) log(`synth failed: ${e.location ? `${e.location.file}(${e.location.line},${e.location.column + 1}): ` : ''}${e.text}`);
      if (errors.length === 0) log(`synth failed: ${err instanceof Error ? err.message : String(err)}`);
      log('the previous output folder was left as it was');
      return finish(false);
    }
    const finished = new Promise<boolean>((resolve) => {
      (globalThis as Record<symbol, WatchHost>)[HOST] = { helper: helpers.helper, done: resolve };
    });
    const argv = process.argv;
    process.argv = [argv[0], options.entry, ...options.args];
    try {
      const file = outfile.replace(/\.js$/, `-${++roundNumber}.js`);
      if (previousMap) fs.rmSync(previousMap, { force: true });
      if (map) fs.writeFileSync((previousMap = `${file}.map`), map);
      runBundle(code, file, roundRequire, path.dirname(options.entry));
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
    if (process.env.SHIPSHAPE_STAGES === '1' && rebuilt >= roundStarted) console.error(`watch: rebuild ${rebuilt - roundStarted} ms, evaluation and synth ${Date.now() - rebuilt} ms`);
    return ok;
  };

  let running: Promise<unknown> | undefined;
  let pending = new Set<string>();
  /** Each file's stamp when a round last read it. */
  const readAt = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (file: string) => {
    if (!SOURCE.test(file)) return;
    pending.add(file);
    clearTimeout(timer);
    // A save may be several events (a rename-save: the temporary file, then the rename), all within a few
    // milliseconds; a write that comes later still reaches dist/ (see the stamps below).
    timer = setTimeout(drain, 10);
  };
  const drain = async () => {
    if (running) return;
    const changed = [...pending].sort();
    pending = new Set();
    if (changed.length === 0) return;
    // chokidar reports the first write of a file and drops the next ones for 50 ms: a file written again while this
    // round read it is synthesised once more, so the last save always reaches dist/.
    const stamps = new Map(changed.map((f) => [f, stamp(f)]));
    for (const [file, s] of stamps) readAt.set(file, s);
    running = (async () => {
      log(`changed: ${changed.map((f) => path.relative(options.root, f)).join(', ')}`);
      const helperInputs = new Set((runner.inputsOf(helperEntry) ?? []).map((f) => path.resolve(options.root, f)));
      if (!helpers.alive() || (helpers.helper && changed.some((f) => helperInputs.has(f)))) {
        await helpers.close();
        helpers = startHelpers(); // the gate or the picture changed, or a thread stopped: fresh helpers from the sources
      }
      await refreshSourcePaths(changed);
      outside.drop(changed);
      await round();
      const ts = changed.filter((f) => f.endsWith('.ts'));
      if (ts.length > 0) typeCheck.postMessage({ files: ts });
    })();
    await running;
    running = undefined;
    for (const [file, before] of stamps) if (stamp(file) !== before) pending.add(file);
    if (pending.size > 0) void drain();
    // After reporting a change, chokidar drops the file's next change events for 50 ms (its _throttle): a save in that
    // window, after a round shorter than it (a syntax error fails fast), would never reach dist/. Look once it is over.
    setTimeout(() => {
      for (const file of stamps.keys()) if (stamp(file) !== readAt.get(file)) schedule(file);
    }, 60).unref();
  };

  // chokidar, not fs.watch(dir, { recursive: true }): on Linux, Node 20's recursive watch reports nothing when a file
  // is replaced by a rename (sed -i, vim's writebackup, JetBrains' safe write); chokidar watches each folder and each
  // file, follows renames and new folders, and reports the file saved, not the editor's temporary file.
  const watcher = watchFiles(options.root, { ignoreInitial: true, ignored: (file) => !watched(options.root, file) });
  watcher.on('all', (_event, file) => schedule(path.resolve(options.root, file)));
  watcher.on('error', (err) => log(`watching failed: ${err instanceof Error ? err.message : String(err)}`));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  running = round();
  await running;
  await ready;
  running = undefined;
  typeCheck.postMessage({ files: [options.entry], warm: true });
  log(`watching ${[...WATCHED_FOLDERS, ...WATCHED_FILES].join(', ')} for changes (Ctrl-C stops)`);
  if (pending.size > 0) void drain();

  return {
    close: async () => {
      await watcher.close();
      clearTimeout(timer);
      await running;
      await context.dispose();
      if (previousMap) fs.rmSync(previousMap, { force: true });
      outside.drop();
      await typeCheck.terminate();
      await helpers.close();
    },
  };
}
