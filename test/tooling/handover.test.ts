/**
 * What the synth hands to its helper thread (lib/tooling/synth/helper.ts) must give what the main thread would: every
 * resolved object reaches the sink exactly once, and the gate's findings, fed each object's own findings from
 * elsewhere, are the same findings in the same order.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogue } from '../../apps/catalogue';
import { Environment } from '../../lib/building-blocks/environment';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';
import { loadManifests } from '../../lib/tooling/manifest/load';
import { collectManifests } from '../../lib/tooling/synth/collect';
import { withDependencies } from '../../lib/tooling/synth/catalogue';
import { buildApps } from '../../lib/tooling/synth/synthesize';
import { renderFiles, toYaml } from '../../lib/tooling/synth/write';
import { ObjectChecker, validateManifests, ValidationOptions } from '../../lib/tooling/validation';
import { secretNamesFor } from '../helpers';

const fixtures = path.join(__dirname, '..', 'fixtures', 'validation');

/** The gate as the helper runs it: each object checked on its own first (here, in reverse order, as batches may come). */
function validateAsHelper(records: readonly ManifestRecord[], options: ValidationOptions) {
  const checker = new ObjectChecker(options);
  const own = new Map([...records].reverse().map((r) => [r, checker.check(r)]));
  return validateManifests(records, options, (r) => own.get(r)!);
}

describe('handing objects to the helper', () => {
  test.each(['local', 'production'])('the sink receives every object of the %s catalogue once, in batches of at most 250', (name) => {
    const env = Environment.byName(name);
    const names = secretNamesFor(catalogue, env); // the production Secrets' names, as a user sets them
    const previous = { ...process.env };
    Object.assign(process.env, names);
    const batches: ManifestRecord[][] = [];
    let records: ManifestRecord[];
    try {
      records = collectManifests(buildApps(env, withDependencies(catalogue)), (batch) => batches.push([...batch]));
    } finally {
      for (const v of Object.keys(names)) if (previous[v] === undefined) delete process.env[v];
    }
    const sent = batches.flat();
    expect(batches.every((b) => b.length > 0 && b.length <= 250)).toBe(true);
    expect(new Set(sent).size).toBe(sent.length);
    expect(new Set(sent)).toEqual(new Set(records));
    // YAML written from each object's own document is the same file.
    const yaml = new Map(sent.map((r) => [r, toYaml(r.manifest)]));
    expect(renderFiles(records, (r) => yaml.get(r)!)).toEqual(renderFiles(records));
  });

  test('the findings of a failing corpus are the same, in the same order, when each object was checked on its own', () => {
    const failing = fs.readdirSync(path.join(fixtures, 'fail')).filter((f) => f.endsWith('.yaml')).sort();
    const records = failing.flatMap((f) => loadManifests(path.join(fixtures, 'fail', f)));
    for (const options of [{}, { minKubernetesVersion: '1.30', requireSpread: false }, { versions: ['1.27'] as const }]) {
      const inProcess = validateManifests(records, options);
      expect(inProcess.findings.length).toBeGreaterThan(failing.length);
      expect(validateAsHelper(records, options)).toEqual(inProcess);
    }
  });
});
