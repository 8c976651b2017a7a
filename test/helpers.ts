/**
 * Test helpers: synthesise apps to plain manifests without writing files,
 * and find objects by kind and name, never by position.
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
import { Manifest, ManifestRecord } from '../lib/tooling/manifest/manifest';
import { buildApps } from '../lib/tooling/synth/synthesize';
import { validateManifests } from '../lib/tooling/validation';

export function synthApps(apps: readonly AppDefinition[], env: Environment = Environment.LOCAL): ManifestRecord[] {
  return collectManifests(buildApps(env, apps));
}

/** Builds one AppChart with `build` filling it, and returns its manifests. */
export function synthChart(build: (chart: AppChart) => void, env: Environment = Environment.LOCAL, props: Partial<AppChartProps> = {}): ManifestRecord[] {
  const app = new App({ outdir: '.' });
  const chart = new AppChart(app, props.namespace ?? 'test', { env, description: 'test chart', ...props });
  build(chart);
  return collectManifests(app);
}

export function manifests(records: readonly ManifestRecord[]): Manifest[] {
  return records.map((r) => r.manifest);
}

export function find(records: readonly ManifestRecord[], kind: string, name: string): any {
  const found = records.filter((r) => r.manifest.kind === kind && r.manifest.metadata?.name === name);
  if (found.length !== 1) {
    const have = records.map((r) => `${r.manifest.kind}/${r.manifest.metadata?.name}`).join(', ');
    throw new Error(`expected one ${kind}/${name}, found ${found.length}; have: ${have}`);
  }
  return found[0].manifest;
}

export function findAll(records: readonly ManifestRecord[], kind: string): any[] {
  return records.filter((r) => r.manifest.kind === kind).map((r) => r.manifest);
}

/** Validation findings as `rule field` strings, for readable assertions. */
export function findingsOf(records: readonly ManifestRecord[], env: Environment = Environment.LOCAL): string[] {
  return validateManifests(records, { requireSpread: env.highAvailability }).findings.map((f) => `${f.rule} ${f.object} ${f.field}: ${f.message}`);
}

/** One test per environment: its synth passes the validation gate and matches its snapshot. */
export function testGateAndSnapshot(local: ManifestRecord[], production: ManifestRecord[]): void {
  test.each([
    ['local', local, Environment.LOCAL],
    ['production', production, Environment.PRODUCTION],
  ])('%s passes the validation gate and matches its snapshot', (_name, records, env) => {
    expect(findingsOf(records, env)).toEqual([]);
    expect(manifests(records)).toMatchSnapshot();
  });
}

/** Matches a selector's matchLabels against labels. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export { App, Chart, Construct };

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

/** The whole catalogue; production needs the name of the database Secret an operator would have created. */
export function synthCatalogue(catalogue: readonly AppDefinition[], env: Environment): ManifestRecord[] {
  process.env.ROCKETCHAT_MONGODB_SECRET = 'rocketchat-mongodb-credentials';
  try {
    return synthApps(catalogue, env);
  } finally {
    delete process.env.ROCKETCHAT_MONGODB_SECRET;
  }
}
