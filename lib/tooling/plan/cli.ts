/**
 * `npm run plan -- [--env <env>] [--only <apps>] [--against <git-ref>] [--dist <dir>] [--allow-recreate] [--allow-risky]`:
 * synthesises the working tree into a temporary folder (dist/ is not touched)
 * and compares it with dist/, or with the synth of a git ref made in a
 * temporary worktree.
 */
import { spawnSync } from 'child_process';
import { Command, CommanderError } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Environment, Environments } from '../../building-blocks/environment';
import { AppDefinition } from '../../building-blocks/app-definition';
import { withDependencies } from '../synth/catalogue';
import { selectApps } from '../synth/cli';
import { ManifestRecord } from '../manifest/manifest';
import { synthesize } from '../synth/synthesize';
import { loadManifests } from '../manifest/load';
import { appOf, environmentOf, formatPlan, makePlan, planExitCode } from './plan';

interface PlanCliOptions {
  env?: string;
  only?: string;
  against?: string;
  dist: string;
  allowRecreate?: boolean;
  allowRisky?: boolean;
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `shipshape-${prefix}-`));
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/**
 * The working tree's synth, written to a temporary folder and read back: both sides of the plan are then YAML read
 * the same way (as kubectl reads it), so a synth identical to dist/ shows no change.
 */
function synthToFolder(env: Environment, apps: readonly AppDefinition[]): ManifestRecord[] {
  const out = tempDir('plan');
  try {
    synthesize({ env, apps, outdir: path.join(out, 'dist') });
    return loadManifests(path.join(out, 'dist'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The synth of a git ref, made in a temporary worktree that shares this checkout's node_modules. */
export function synthAtRef(root: string, ref: string, env: Environment): ManifestRecord[] {
  const worktree = tempDir('plan-ref');
  run('git', ['worktree', 'add', '--quiet', '--detach', worktree, ref], root);
  try {
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(worktree, 'node_modules'), 'dir');
    const dist = path.join(worktree, '.plan-dist');
    // The ref's own fast runner where it has one (its bundle cache goes with the worktree); tsx for older refs.
    const runner = fs.existsSync(path.join(worktree, 'scripts', 'run.js')) ? [path.join('scripts', 'run.js')] : ['--require', 'tsx/cjs'];
    const r = spawnSync(process.execPath, [...runner, 'main.ts', '--env', env.name, '--outdir', dist, '--quiet'], {
      cwd: worktree,
      encoding: 'utf8',
      env: { ...process.env, SHIPSHAPE_RUN_CACHE: path.join(worktree, '.plan-run-cache') },
    });
    if (r.status !== 0) throw new Error(`the synth of ${ref} failed:\n${(r.stderr || r.stdout).trim()}`);
    return loadManifests(dist);
  } finally {
    run('git', ['worktree', 'remove', '--force', worktree], root);
  }
}

/** Runs the plan; returns the exit code and prints the report. */
export function runPlanCli(
  catalogue: readonly AppDefinition[],
  argv: readonly string[] = process.argv,
  root = process.cwd(),
  /** The project's environments (its environments.ts). */
  environments: Environments = Environments.DEFAULT,
): number {
  const program = new Command()
    .name('npm run plan --')
    .description('Show what applying the current code would change, and stop on changes the API server refuses or that risk data.')
    .option('-e, --env <env>', `environment: ${environments.all().map((e) => e.name).join(', ')} (default: the one dist/ was synthesised for)`)
    .option('-o, --only <apps>', `comma-separated apps: ${catalogue.map((a) => a.name).join(', ')}`)
    .option('--against <ref>', 'compare with the synth of this git ref instead of dist/')
    .option('--dist <dir>', 'the synthesised folder to compare with', 'dist')
    .option('--allow-recreate', 'exit 0 even with changes the API server refuses (you have planned the steps)')
    .option('--allow-risky', 'exit 0 even with risky changes (you accept them)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse([...argv]);
    const opts = program.opts<PlanCliOptions>();
    const apps = withDependencies(selectApps(catalogue, opts.only));
    const names = new Set(apps.map((a) => a.name));
    const distDir = path.resolve(root, opts.dist);
    const existing = !opts.against && fs.existsSync(distDir) ? loadManifests(distDir) : [];
    const distEnv = environmentOf(existing);
    const env = environments.byName(opts.env ?? distEnv ?? environments.default.name);
    const before = (opts.against ? synthAtRef(root, opts.against, env) : existing).filter((r) => names.has(appOf(r)));
    const after = synthToFolder(env, apps);
    const from = opts.against ? `the synth of ${opts.against}` : fs.existsSync(distDir) ? opts.dist : `${opts.dist} (absent: everything is new)`;
    console.log(`plan for env '${env.name}': ${from} → the working tree`);
    if (distEnv && distEnv !== env.name && !opts.against) console.log(`warning: ${opts.dist} was synthesised for '${distEnv}', so this compares two environments`);
    const plan = makePlan(before, after, { outdir: opts.dist });
    const exitOptions = { allowRecreate: opts.allowRecreate, allowRisky: opts.allowRisky };
    console.log(formatPlan(plan, exitOptions));
    return planExitCode(plan, exitOptions);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`plan failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
