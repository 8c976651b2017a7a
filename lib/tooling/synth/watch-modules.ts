/**
 * What a watch round (./watch.ts) loads from outside its own bundle, once, like a package: imports/k8s.ts (1 MB of
 * generated classes, changed only by `npm run import`) and lib/ (the building blocks, the workloads and the synth).
 * A save in apps/, main.ts or environments.ts then bundles and evaluates only the project's own files, and runs lib's
 * code already compiled and optimised by the rounds before (a cold lib doubled the construct tree's time). A save
 * under lib/ or imports/ loads them again, from the sources. What lib keeps at module level is constant or a cache of
 * pure results (validators, YAML scalars), so no synth leaks into the next (test/tooling/run/watch.test.ts compares
 * the last round with a one-shot synth). One exception: the names `Environment.define` has seen, which `env.pick`
 * accepts; an environment deleted from environments.ts stays accepted there until the watcher restarts.
 */
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';

type Plugin = { name: string; setup(build: any): void };

export interface OutsideModulesOptions {
  readonly root: string;
  /** The entry of the rounds, whose folder packages resolve from. */
  readonly entry: string;
  /** Where the bundles and their source maps go. */
  readonly cache: string;
  /** esbuild's options for a bundle written in memory to `file` (scripts/run.js's, with watch mode's settings). */
  bundleOptions(entry: string, file: string): Record<string, any>;
}

const K8S_ID = 'shipshape-watch:imports/k8s';
const LIB_ID = 'shipshape-watch:lib/';

/** The file an import names: as written, or with the extension or index file TypeScript would try. */
function sourceFile(target: string): string | undefined {
  for (const candidate of [target, `${target}.ts`, `${target}.js`, `${target}.json`, path.join(target, 'index.ts'), path.join(target, 'index.js')]) {
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export class OutsideModules {
  private readonly k8sSource: string;
  private readonly lib: string;
  private k8s?: { exports: unknown; map: string };
  private libModules?: { exports: Record<string, unknown>; map: string; files: ReadonlySet<string> };
  private loads = 0;
  /** Packages resolve from the entry's folder, as under `npm run synth`. */
  private readonly fromEntry: NodeJS.Require;

  public constructor(private readonly options: OutsideModulesOptions) {
    this.k8sSource = path.join(options.root, 'imports', 'k8s.ts');
    this.lib = path.join(options.root, 'lib') + path.sep;
    this.fromEntry = createRequire(options.entry);
  }

  /**
   * The esbuild plugin of the rounds' bundles: imports of imports/k8s.ts and of lib/ become requires of the modules
   * loaded here. The project's files import k8s as a namespace (`import * as k8s`): one module in the bundle
   * re-exports it, so its ~700 exports are copied once per round, not once per importing file.
   */
  public get roundPlugin(): Plugin {
    return this.plugin(true);
  }

  /** Whether `file` is one of those loaded here: a save of it loads them again. */
  private isOutside(file: string): boolean {
    return file.startsWith(this.lib) || this.isImport(file);
  }

  /**
   * Forgets what was loaded when `changed` holds one of its files (everything when not given); the next round loads
   * it from the sources. A change under lib/ alone keeps imports/k8s.ts, which lib's modules import and not the reverse.
   */
  public drop(changed?: readonly string[]): void {
    if (changed && !changed.some((f) => this.isOutside(f))) return;
    const all = changed === undefined || changed.some((f) => this.isImport(f));
    for (const loaded of [all ? this.k8s : undefined, this.libModules]) if (loaded) fs.rmSync(loaded.map, { force: true });
    if (all) this.k8s = undefined;
    this.libModules = undefined;
  }

  private isImport(file: string): boolean {
    return file.startsWith(path.join(this.options.root, 'imports') + path.sep);
  }

  /**
   * The require of a round's bundle. `metafile` is that bundle's: lib is loaded (again) when the round imports a
   * file of lib that the loaded bundle of lib does not hold (a first round, or an app that starts using another one).
   */
  public async requireFor(metafile: { inputs: Record<string, { imports: { path: string; external?: boolean }[] }> }): Promise<NodeJS.Require> {
    const used = new Set<string>();
    for (const input of Object.values(metafile.inputs)) for (const i of input.imports) if (i.external && i.path.startsWith(LIB_ID)) used.add(i.path.slice(LIB_ID.length));
    if (this.libModules && [...used].some((f) => !this.libModules!.files.has(f))) {
      for (const f of this.libModules.files) used.add(f);
      fs.rmSync(this.libModules.map, { force: true });
      this.libModules = undefined;
    }
    if (used.size > 0) this.libModules ??= await this.loadLib(used);
    return this.requireWith(this.libModules?.exports ?? {});
  }

  /** A require that gives imports/k8s.ts and the modules of `lib` as loaded here, and packages from the entry. */
  private requireWith(lib: Record<string, unknown>): NodeJS.Require {
    return Object.assign((id: string) => (id === K8S_ID ? this.loadK8s() : id.startsWith(LIB_ID) ? lib[id.slice(LIB_ID.length)] : this.fromEntry(id)), this.fromEntry);
  }

  private plugin(libOutside: boolean): Plugin {
    const { root } = this.options;
    return {
      name: 'outside-modules',
      setup: (build: any) => {
        // Only imports that name lib/ or imports/ on their way: esbuild asks the plugin (another process) about each match.
        build.onResolve({ filter: /^\.\.?\/(.*\/)?(lib|imports)(\/|$)/ }, (args: { path: string; resolveDir: string }) => {
          const file = sourceFile(path.resolve(args.resolveDir, args.path));
          if (file === this.k8sSource) return { path: this.k8sSource, namespace: 'k8s-outside' };
          if (libOutside && file?.startsWith(this.lib)) return { path: LIB_ID + path.relative(root, file).split(path.sep).join('/'), external: true };
          return undefined;
        });
        build.onResolve({ filter: /^shipshape-watch:/ }, (args: { path: string }) => ({ path: args.path, external: true }));
        build.onLoad({ filter: /.*/, namespace: 'k8s-outside' }, () => ({ contents: `export * from ${JSON.stringify(K8S_ID)};`, loader: 'js' }));
      },
    };
  }

  private loadK8s(): unknown {
    if (!this.k8s) {
      const file = path.join(this.options.cache, `watch-${process.pid}-k8s-${++this.loads}.js`);
      const { plugins: _none, ...options } = this.options.bundleOptions(this.k8sSource, file);
      this.k8s = { exports: this.evaluate(require('esbuild').buildSync(options), file), map: `${file}.map` };
    }
    return this.k8s.exports;
  }

  /** One bundle of the files of lib the rounds import, each module's exports under its path (`lib/x/y.ts`). */
  private async loadLib(files: ReadonlySet<string>): Promise<{ exports: Record<string, unknown>; map: string; files: ReadonlySet<string> }> {
    const file = path.join(this.options.cache, `watch-${process.pid}-lib-${++this.loads}.js`);
    const sorted = [...files].sort();
    const contents = `module.exports = {\n${sorted.map((f) => `  ${JSON.stringify(f)}: require(${JSON.stringify(`./${f}`)}),`).join('\n')}\n};\n`;
    const base = this.options.bundleOptions(this.k8sSource, file);
    const options = { ...base, entryPoints: undefined, stdin: { contents, resolveDir: this.options.root, loader: 'js', sourcefile: 'watch-lib.js' }, plugins: [...base.plugins, this.plugin(false)] };
    const built = await (require('esbuild') as typeof import('esbuild')).build(options as any);
    return { exports: this.evaluate(built, file) as Record<string, unknown>, map: `${file}.map`, files: new Set(sorted) };
  }

  /** Writes a bundle's source map beside its name (errors name lines through it), and runs the bundle. */
  private evaluate(result: { outputFiles?: { path: string; text: string }[] }, file: string): unknown {
    fs.writeFileSync(`${file}.map`, result.outputFiles!.find((f) => f.path.endsWith('.map'))!.text);
    return runBundle(result.outputFiles!.find((f) => f.path.endsWith('.js'))!.text, file, this.requireWith({}), path.dirname(file));
  }
}

/** Runs a CommonJS bundle held in memory as the module `file`, with `require` and `__dirname` as given; its exports. */
export function runBundle(code: string, file: string, require: NodeJS.Require, dirname: string): unknown {
  const mod = { exports: {} };
  new vm.Script(Module.wrap(code), { filename: file }).runInThisContext().call(mod.exports, mod.exports, require, mod, file, dirname);
  return mod.exports;
}
