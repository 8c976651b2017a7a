/**
 * Our tests' helpers: the public testing module (lib/testing) that users get,
 * plus what only jest tests here need (snapshots, temporary folders).
 */
import { App, Chart } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Construct } from 'constructs';
import { AppChart, AppChartProps } from '../lib/building-blocks/app-chart';
import { Environment } from '../lib/building-blocks/environment';
import { AppDefinition } from '../lib/building-blocks/app-definition';
import { collectManifests } from '../lib/tooling/synth/collect';
import { assertRestricted, assertSelectorsMatch, gateFindings, manifests, synthApps } from '../lib/testing';
import { ManifestRecord } from '../lib/tooling/manifest/manifest';

/** Builds one AppChart with `build` filling it, and returns its manifests. */
export function synthChart(build: (chart: AppChart) => void, env: Environment = Environment.LOCAL, props: Partial<AppChartProps> = {}): ManifestRecord[] {
  const app = new App({ outdir: '.' });
  const chart = new AppChart(app, props.namespace ?? 'test', { env, description: 'test chart', ...props });
  build(chart);
  return collectManifests(app);
}

/**
 * One test per environment: its synth passes the validation gate, its pods meet their namespace's Pod Security
 * level, every selector meets pods (lib/testing), and it matches its snapshot.
 */
export function testGateAndSnapshot(local: ManifestRecord[], production: ManifestRecord[]): void {
  test.each([
    ['local', local, Environment.LOCAL],
    ['production', production, Environment.PRODUCTION],
  ])('%s passes the validation gate and matches its snapshot', (_name, records, env) => {
    expect(gateFindings(records, env)).toEqual([]);
    assertRestricted(records);
    assertSelectorsMatch(records);
    expect(manifests(records)).toMatchSnapshot();
  });
}

export { App, Chart, Construct };
export { find, findAll, gateFindings as findingsOf, manifests, selects, synthApps } from '../lib/testing';

const temporary: string[] = [];

/** A temporary folder, removed after the test file's tests. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shipshape-${prefix}-`));
  temporary.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The Secrets an operator creates before a production synth, by the variable that names each. */
export const PRODUCTION_SECRETS: Readonly<Record<string, string>> = {
  ROCKETCHAT_MONGODB_SECRET: 'rocketchat-mongodb-credentials',
  ROCKETCHAT_ADMIN_SECRET: 'rocketchat-admin',
};

/**
 * The whole catalogue, as an operator would synthesise it: the catalogue's Secrets (PRODUCTION_SECRETS), and wherever
 * an environment needs the name of another Secret created out of band (`set X to the name of an existing Secret`),
 * one is given, for every such variable the apps ask for (a MongoDB you added), so an app added with `npm run new`
 * needs no change here.
 */
export function synthCatalogue(catalogue: readonly AppDefinition[], env: Environment): ManifestRecord[] {
  return synthWithSecretNames(catalogue, env).records;
}

/** The names `synthCatalogue` gives, by variable: for a synth in another process (the runner's tests). */
export function secretNamesFor(catalogue: readonly AppDefinition[], env: Environment): Record<string, string> {
  return synthWithSecretNames(catalogue, env).names;
}

function synthWithSecretNames(catalogue: readonly AppDefinition[], env: Environment): { records: ManifestRecord[]; names: Record<string, string> } {
  const set = Object.keys(PRODUCTION_SECRETS).filter((v) => process.env[v] === undefined);
  for (const v of set) process.env[v] = PRODUCTION_SECRETS[v];
  try {
    for (;;) {
      try {
        const records = synthApps(catalogue, env);
        return { records, names: Object.fromEntries(set.map((v) => [v, process.env[v]!])) };
      } catch (err) {
        const variable = /set ([A-Z][A-Z0-9_]*) to the name of an existing Secret/.exec(err instanceof Error ? err.message : '')?.[1];
        if (!variable || set.includes(variable) || process.env[variable] !== undefined) throw err;
        process.env[variable] = variable.toLowerCase().replace(/_secret$/, '').replace(/_/g, '-') + '-credentials';
        set.push(variable);
      }
    }
  } finally {
    for (const variable of set) delete process.env[variable];
  }
}
