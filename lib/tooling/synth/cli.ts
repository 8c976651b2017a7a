/**
 * `npm run synth -- [--env <env>] [--only <app,...>] [--outdir <dir>]`:
 * argument parsing with commander, then the pipeline, then a short summary.
 */
import { Command, CommanderError } from 'commander';
import { Environment, Environments } from '../../building-blocks/environment';
import { loadSvgRenderer } from '../graph/render';
import { applyCommandLine, isApplySetParent } from '../manifest/applyset';
import { AppDefinition } from '../../building-blocks/app-definition';
import { withDependencies } from './catalogue';
import * as path from 'path';
import { SynthHelper, synthesizeWithHelper } from './helper';
import { watchHost, watchSynth } from './watch';
import { SynthError, SynthResult, synthesize } from './synthesize';
import { schemaVersionsFor } from '../validation/schema';

export function selectApps(catalogue: readonly AppDefinition[], only: string | undefined): AppDefinition[] {
  if (!only) return [...catalogue];
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !catalogue.some((a) => a.name === n));
  if (unknown.length > 0) {
    throw new SynthError(`unknown app(s) ${unknown.map((n) => `'${n}'`).join(', ')}; known apps: ${catalogue.map((a) => a.name).join(', ')}`);
  }
  return catalogue.filter((a) => names.includes(a.name));
}

export function summarize(result: SynthResult, env: Environment, apps: readonly AppDefinition[], outdir: string, millis: number): string {
  const kinds = new Map<string, number>();
  for (const r of result.records) kinds.set(r.manifest.kind, (kinds.get(r.manifest.kind) ?? 0) + 1);
  const lines = [
    `synthesised ${apps.length} app(s) for env '${env.name}': ${apps.map((a) => a.name).join(', ')}`,
    `objects: ${result.records.length} (${[...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `files: ${[...result.files.keys()].map((f) => `${outdir}/${f}`).join(', ')}`,
    `validated against Kubernetes ${schemaVersionsFor(env.config.minKubernetesVersion).join(' and ')} (minimum ${env.config.minKubernetesVersion}), Pod Security Standards, production practice, references and ApplySets: no findings`,
  ];
  for (const e of result.validation.exemptions) lines.push(`pod security exemption: namespace '${e.namespace}' enforces '${e.level}': ${e.reason}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  for (const e of result.validation.externalRefs) lines.push(`external reference (create it before applying): ${e.ref}, used by ${e.usedBy}`);
  if (result.dropped.length > 0) {
    lines.push(`replaced ${outdir} as a whole: it no longer holds ${result.dropped.join(', ')} (synthesise without --only to write every app)`);
  }
  if (!result.graph.drawn) lines.push(`graph: ${result.graph.nodes} nodes, too many to read as a picture, so only ${outdir}/graph.dot was written (use --only to draw fewer apps)`);
  const parents = result.records.filter((r) => isApplySetParent(r.manifest));
  if (parents.length > 0) {
    lines.push(`apply and prune each app (namespaces first: kubectl apply -f ${outdir} -l pod-security.kubernetes.io/enforce):`);
    for (const p of parents) lines.push(`  ${applyCommandLine(p.manifest, `${outdir}/${p.file}`)}`);
  }
  lines.push(`time: ${millis} ms`);
  return lines.join('\n');
}

export async function runSynthCli(
  catalogue: readonly AppDefinition[],
  argv: readonly string[] = process.argv,
  /** The project's environments (its environments.ts); the first is the default. */
  environments: Environments = Environments.DEFAULT,
): Promise<void> {
  const started = Date.now();
  // Since the process started: node itself, and loading the bundle (or transpiling, under tsx).
  const startUp = Math.round(performance.now() * 10) / 10;
  const host = watchHost();
  let ownHelper: SynthHelper | undefined;
  let ok = false;
  const program = new Command()
    .name('npm run synth --')
    .description('Synthesise the catalogue to validated Kubernetes YAML, atomically.')
    .option('-e, --env <env>', `environment: ${environments.all().map((e) => e.name).join(', ')}`, environments.default.name)
    .option('-o, --only <apps>', `comma-separated apps to synthesise: ${catalogue.map((a) => a.name).join(', ')}`)
    .option('--outdir <dir>', 'output folder', process.env.CDK8S_OUTDIR ?? 'dist')
    .option('-q, --quiet', 'print nothing on success')
    .option('-w, --watch', 'stay running and synthesise again on every save of main.ts, lib/, apps/ (type errors of changed files are reported)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse([...argv]);
    const opts = program.opts<{ env: string; only?: string; outdir: string; quiet?: boolean; watch?: boolean }>();
    if (opts.watch && !host) {
      const root = (globalThis as Record<symbol, { root: string } | undefined>)[Symbol.for('shipshape.runner')]?.root ?? process.cwd();
      await watchSynth({ root, entry: path.resolve(argv[1]), args: argv.slice(2).filter((a) => a !== '--watch' && a !== '-w') });
      return;
    }
    const env = environments.byName(opts.env);
    // Started before the constructs are built, so Graphviz and the gate's validators load meanwhile; a watcher keeps its own.
    ownHelper = host ? undefined : SynthHelper.start(schemaVersionsFor(env.config.minKubernetesVersion));
    const helper = host ? host.helper : ownHelper;
    const apps = withDependencies(selectApps(catalogue, opts.only));
    const result = helper
      ? await synthesizeWithHelper({ env, apps, outdir: opts.outdir }, helper)
      : synthesize({ env, apps, outdir: opts.outdir, renderSvg: await loadSvgRenderer() });
    if (!opts.quiet) console.log(summarize(result, env, apps, opts.outdir, Date.now() - started));
    if (process.env.SHIPSHAPE_STAGES === '1') console.error(`stages: ${JSON.stringify({ 'start-up': startUp, ...result.stages })}`);
    ok = true;
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`synth failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error('the previous output folder was left as it was');
    process.exitCode = 1;
  } finally {
    await ownHelper?.close();
    host?.done(ok);
  }
}
