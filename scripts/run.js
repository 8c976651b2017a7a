#!/usr/bin/env node
/**
 * `node scripts/run.js <entry.ts> [args...]`: runs a TypeScript entry point (main.ts, a script, a bench) from a
 * cached JavaScript bundle instead of transpiling every module at every start (tsx's module hooks and per-file
 * transpiling were about half of a synth; see README "Performance").
 *
 * The bundle is built by esbuild (the version tsx uses) into node_modules/.cache/shipshape-run/ and reused while
 * every project file it was built from has the same content (sha1, listed beside it) and package-lock.json and
 * node are the same; a changed app or lib file is rebuilt at the next start (~0.3 s). Like tsx, no type check:
 * `npm test` type-checks, `--watch` reports type errors. Packages are bundled too, except those that load files
 * beside themselves at run time (EXTERNAL). `__dirname`/`__filename` of a project file keep meaning its source
 * folder, so files read beside a module (scripts, schemas) are found as under tsx.
 * SHIPSHAPE_BUNDLE=off, or esbuild missing, falls back to tsx.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.resolve(__dirname, '..');
/** SHIPSHAPE_RUN_CACHE moves it (tests that run copies of the project leave nothing behind). */
const CACHE = process.env.SHIPSHAPE_RUN_CACHE || path.join(ROOT, 'node_modules', '.cache', 'shipshape-run');
/** Packages that read files beside themselves (WebAssembly, cached validators' runtime) stay ordinary requires. */
const EXTERNAL = ['@viz-js/viz', 'esbuild', 'typescript', 'ajv', 'ajv/*'];

const sha1 = (text) => crypto.createHash('sha1').update(text).digest('hex');
/** A temporary file's suffix: threads of one process (a watcher's helpers) may build or save the same file at once. */
const TMP = `${process.pid}-${require('worker_threads').threadId}.tmp`;

/**
 * What the bundle depends on beside the project's own files: the packages (lock file), node, esbuild, this runner,
 * and tsconfig.json, which esbuild reads for how to compile (class fields, decorators, paths) without listing it
 * among the bundle's inputs.
 */
function environmentKey() {
  const text = (file) => {
    try {
      return fs.readFileSync(path.join(ROOT, file), 'utf8');
    } catch {
      return ''; // none: keyed on the rest
    }
  };
  return sha1([ROOT, process.version, require('esbuild/package.json').version, sha1(text('package-lock.json')), sha1(text('tsconfig.json')), fs.readFileSync(__filename, 'utf8')].join('\n'));
}

function paths(entry) {
  // One bundle per entry and checkout (worktrees may share node_modules; the bundle holds absolute source paths).
  const rel = `${path.relative(ROOT, entry).replace(/[^A-Za-z0-9.]/g, '_')}-${sha1(ROOT).slice(0, 8)}`;
  return { bundle: path.join(CACHE, `${rel}.js`), inputs: path.join(CACHE, `${rel}.inputs.json`) };
}

/** The cached bundle of `entry` if nothing it was built from changed. */
function cached(entry, key) {
  const p = paths(entry);
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(p.inputs, 'utf8'));
  } catch {
    return undefined;
  }
  if (meta.key !== key || !fs.existsSync(p.bundle)) return undefined;
  for (const [file, hash] of Object.entries(meta.files)) {
    let text;
    try {
      text = fs.readFileSync(path.join(ROOT, file));
    } catch {
      return undefined;
    }
    if (sha1(text) !== hash) return undefined;
  }
  return p.bundle;
}

/**
 * The project's .ts files that mention `__dirname` or `__filename` (a few of ~160): only they go through the plugin
 * below. A plugin that loads every .ts file runs a JavaScript callback and a read per file at every build, and keeps
 * esbuild from reusing its parse of unchanged files in watch mode's rebuilds (imports/k8s.ts alone is 1 MB).
 */
function sourcePathFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && /__dirname|__filename/.test(fs.readFileSync(file, 'utf8'))) found.push(file);
    }
  };
  walk(ROOT);
  return found.sort();
}

/**
 * Keeps `__dirname` and `__filename` of each project module that uses them pointing at its source (`files`, from
 * sourcePathFiles: a file that starts using them after the plugin was made needs a new one; watch mode does that).
 */
function sourcePaths(files = sourcePathFiles()) {
  const escaped = files.map((f) => f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return {
    name: 'source-paths',
    setup(build) {
      if (files.length === 0) return;
      build.onLoad({ filter: new RegExp(`^(?:${escaped.join('|')})$`) }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8');
        const banner = `const __dirname = ${JSON.stringify(path.dirname(args.path))}; const __filename = ${JSON.stringify(args.path)};\n`;
        return { contents: banner + text, loader: 'ts' };
      });
    },
  };
}

/** Builds the bundle and records the project files it read, with their content hashes. */
async function build(entry, key) {
  const esbuild = require('esbuild');
  const p = paths(entry);
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = `${p.bundle}.${TMP}`;
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    outfile: tmp,
    external: EXTERNAL,
    // Whitespace only: names stay (constructors' names show in messages), less for V8 to read at each start.
    minifyWhitespace: true,
    // A map beside the bundle, not linked from it (nothing to load at start): a synth error reads it to name
    // the user's construct and line (lib/tooling/synth/attribute.ts).
    sourcemap: 'external',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    plugins: [sourcePaths()],
  });
  const files = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.includes('node_modules/')) continue;
    files[input] = sha1(fs.readFileSync(path.join(ROOT, input)));
  }
  fs.renameSync(`${tmp}.map`, `${p.bundle}.map`);
  fs.rmSync(`${p.bundle}.v8`, { force: true }); // the old bundle's code cache
  fs.renameSync(tmp, p.bundle);
  const metaTmp = `${p.inputs}.${TMP}`;
  fs.writeFileSync(metaTmp, JSON.stringify({ key, files }));
  fs.renameSync(metaTmp, p.inputs);
  return p.bundle;
}

/** Lets the synth start its helper thread from its own bundle (lib/tooling/synth/helper.ts). */
function runner() {
  const key = Symbol.for('shipshape.runner');
  globalThis[key] ??= { script: __filename, root: ROOT, saveCodeCache: [], startHelper, prestarted: undefined };
  return globalThis[key];
}

const HELPER_USER = 'lib/tooling/synth/helper.ts';

/**
 * The synth's helper thread (lib/tooling/synth/helper-worker.ts), from its own bundle. Unreferenced: a process whose
 * synth never asks for it (--help, an early error) exits anyway. A small young generation: the helper holds a copy of
 * the records, and at 1,000 services the default (48 MB) took peak RSS from 190 to 250 MB; 8 MB costs no measurable time.
 */
function startHelper() {
  const { Worker } = require('worker_threads');
  const worker = new Worker(__filename, { argv: [path.join(ROOT, 'lib', 'tooling', 'synth', 'helper-worker.ts')], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  worker.unref();
  return worker;
}

/**
 * Starts the helper thread before the entry's own bundle loads when that bundle is a synth's (it was built from
 * helper.ts): the thread's start-up (node, its bundle, Graphviz) then overlaps the main thread's instead of following
 * it, which was most of a small synth's wait for its picture. The synth adopts it (SynthHelper.start).
 */
function prestartHelper(entry) {
  if (process.env.SHIPSHAPE_PARALLEL === 'off' || !require('worker_threads').isMainThread) return;
  if (!(inputsOf(entry) ?? []).includes(HELPER_USER)) return;
  runner().prestarted = startHelper();
}

/** Loads `entry` (a .ts file) from a fresh bundle, building it first if needed; resolves once loaded. */
async function load(entry) {
  const file = path.resolve(entry);
  let esbuildFound = process.env.SHIPSHAPE_BUNDLE !== 'off';
  try {
    if (esbuildFound) require.resolve('esbuild');
  } catch {
    esbuildFound = false;
  }
  if (!esbuildFound) {
    require('tsx/cjs');
    return require(file);
  }
  runner();
  prestartHelper(file);
  const key = environmentKey();
  const bundle = cached(file, key) ?? (await build(file, key));
  return requireWithCodeCache(bundle);
}

/**
 * Requires the bundle with V8's code cache (`<bundle>.v8`), made after the first run, so later starts neither
 * parse nor compile the functions that run used. A cache V8 rejects (another node) is simply made again.
 */
function requireWithCodeCache(file) {
  const cacheFile = `${file}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first run of this bundle
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  // Packages left out of the bundle resolve from the project, wherever the cache is (SHIPSHAPE_RUN_CACHE).
  const fromRoot = path.join(ROOT, 'main.ts');
  mod.paths = Module._nodeModulePaths(ROOT);
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    // Made once the run has compiled what it uses: at exit, or when a helper thread says it is done. A rejected one
    // (the bundle was rebuilt) is replaced: kept, it would be rejected at every start and spare nothing.
    let saved = false;
    const save = () => {
      if (!saved) writeAtomically(cacheFile, script.createCachedData());
      saved = true;
    };
    process.once('beforeExit', save);
    runner().saveCodeCache.push(save);
  }
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(fromRoot), mod, file, path.dirname(file));
  return mod.exports;
}

function writeAtomically(file, content) {
  try {
    const tmp = `${file}.${TMP}`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch {
    // a read-only cache only costs time
  }
}

/**
 * What watch mode needs to bundle an entry the same way, in memory (lib/tooling/synth/watch.ts); `files` are the
 * sources that use `__dirname`/`__filename` (sourcePathFiles()).
 */
function bundleOptions(entry, files = sourcePathFiles()) {
  return { entryPoints: [entry], bundle: true, platform: 'node', target: `node${process.versions.node.split('.')[0]}`, format: 'cjs', absWorkingDir: ROOT, logLevel: 'silent', plugins: [sourcePaths(files)] };
}

/** The project files (relative to the root) the cached bundle of `entry` was built from, if built. */
function inputsOf(entry) {
  try {
    return Object.keys(JSON.parse(fs.readFileSync(paths(path.resolve(ROOT, entry)).inputs, 'utf8')).files);
  } catch {
    return undefined;
  }
}

module.exports = { load, runner, bundleOptions, sourcePathFiles, inputsOf, ROOT, CACHE };

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: node scripts/run.js <entry.ts> [args...]');
    process.exit(2);
  }
  // The entry sees the argv it would see under `node --require tsx/cjs entry.ts args...`.
  process.argv = [process.argv[0], path.resolve(entry), ...args];
  load(entry).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
