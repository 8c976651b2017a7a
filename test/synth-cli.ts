/**
 * Runs the real synth CLI (runSynthCli, as main.ts does) on test apps, into a dist/ that already holds a previous
 * synth, and checks that a failing synth leaves it byte-identical.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { AppChart } from '../lib/building-blocks/app-chart';
import { AppDefinition } from '../lib/building-blocks/app-definition';
import { Environment } from '../lib/building-blocks/environment';
import { runSynthCli } from '../lib/tooling/synth/cli';
import { OUTPUT_MARKER } from '../lib/tooling/synth/write';
import { tempDir } from './helpers';

/** An app whose chart `build` fills; a valid companion construct is created first, so a wrong blame would show. */
export function appOf(name: string, build: (chart: AppChart, env: Environment) => void): AppDefinition {
  return {
    name,
    description: 'a test app',
    build(scope: Construct, env: Environment) {
      const chart = new AppChart(scope, name, { env, description: 'a test app' });
      build(chart, env);
      return chart;
    },
  };
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** Runs the synth CLI on `apps` into a dist/ that already holds a previous synth; returns code, stderr and whether dist/ changed. */
export async function synthFails(apps: readonly AppDefinition[], ...args: string[]): Promise<{ code: number; err: string; out: string }> {
  const outdir = path.join(tempDir('synth-errors'), 'dist');
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'previous.yaml'), 'kind: ConfigMap\n');
  // The marker of a folder the synth made: without it, the synth refuses the folder before building anything.
  fs.writeFileSync(path.join(outdir, OUTPUT_MARKER), '');
  const before = snapshot(outdir);
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s) => void out.push(String(s)));
  const error = jest.spyOn(console, 'error').mockImplementation((s) => void err.push(String(s)));
  process.exitCode = undefined;
  try {
    await runSynthCli(apps, ['node', 'main.ts', '--outdir', outdir, ...args]);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  expect(snapshot(outdir)).toEqual(before);
  return { code, err: err.join('\n'), out: out.join('\n') };
}


