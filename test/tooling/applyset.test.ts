/**
 * ApplySets: each app's file has exactly one parent, with kubectl's own id;
 * no two apps share an id; every object of an app is in its parent's file
 * and carries the labels that say who owns it; the parents validate.
 */
import { App } from 'cdk8s';
import { catalogue } from '../../apps/catalogue';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { Environment } from '../../lib/building-blocks/environment';
import { APPLYSET, applyCommand, applySetId, groupKind, isApplySetParent } from '../../lib/tooling/manifest/applyset';
import { collectManifests } from '../../lib/tooling/synth/collect';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';
import { validateManifests } from '../../lib/tooling/validation';
import { checkApplySets } from '../../lib/tooling/validation/applyset';
import { findingsOf, synthCatalogue, synthChart } from '../helpers';

describe('ApplySet id', () => {
  test("matches kubectl's documented example (Secret my-set in namespace test)", () => {
    expect(applySetId({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-set', namespace: 'test' } })).toBe('applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1');
  });

  test('group kinds use the API group, none for the core group', () => {
    expect(groupKind({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBe('Deployment.apps');
    expect(groupKind({ apiVersion: 'v1', kind: 'Service' })).toBe('Service');
  });
});


describe.each([
  ['local', Environment.LOCAL],
  ['production', Environment.PRODUCTION],
])('the catalogue in %s', (_name, env) => {
  const records = synthCatalogue(catalogue, env);
  const parents = records.filter((r) => isApplySetParent(r.manifest));

  test('every app file has exactly one parent, in the app namespace, with its own id', () => {
    const files = [...new Set(records.map((r) => r.file))].sort();
    expect(parents.map((p) => p.file).sort()).toEqual(files);
    for (const p of parents) {
      const m = p.manifest;
      expect(m.kind).toBe('ConfigMap');
      expect(m.metadata.name).toBe(`${p.app}-applyset`);
      expect(m.metadata.labels?.[APPLYSET.id]).toBe(applySetId(m));
      expect((m as any).data).toEqual({ app: p.app, environment: env.name });
    }
  });

  test("two apps' objects never share an ApplySet id", () => {
    const ids = parents.map((p) => p.manifest.metadata.labels![APPLYSET.id]);
    expect(new Set(ids).size).toBe(catalogue.length);
    const idOfFile = new Map(parents.map((p) => [p.file, p.manifest.metadata.labels![APPLYSET.id]]));
    const appsOfId = new Map<string, Set<string>>();
    for (const r of records) appsOfId.set(idOfFile.get(r.file)!, new Set([...(appsOfId.get(idOfFile.get(r.file)!) ?? []), r.app!]));
    for (const apps of appsOfId.values()) expect(apps.size).toBe(1);
  });

  test('the parent lists every kind of its file and no member carries the part-of label kubectl adds', () => {
    for (const p of parents) {
      const listed = p.manifest.metadata.annotations![APPLYSET.groupKinds].split(',');
      const inFile = [...new Set(records.filter((r) => r.file === p.file).map((r) => groupKind(r.manifest)))].sort();
      expect(listed).toEqual(inFile);
    }
    expect(records.filter((r) => r.manifest.metadata.labels?.[APPLYSET.partOf] !== undefined)).toEqual([]);
  });

  test('every object says which app it is part of and who manages it', () => {
    const unlabelled = records.filter((r) => r.manifest.metadata.labels?.['app.kubernetes.io/part-of'] !== r.app || r.manifest.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'shipshape');
    expect(unlabelled.map((r) => r.constructPath)).toEqual([]);
  });

  test('the parents pass the validation gate, alone and with the catalogue', () => {
    expect(validateManifests(parents).findings).toEqual([]);
    expect(findingsOf(records, env)).toEqual([]);
  });

  test('the apply command names the parent, its namespace and the file', () => {
    const rocketchat = parents.find((p) => p.app === 'rocketchat')!;
    expect(applyCommand(rocketchat.manifest, 'dist/rocketchat.yaml')).toBe('kubectl apply -n rocketchat --prune --applyset=configmaps/rocketchat-applyset -f dist/rocketchat.yaml');
  });
});

describe('ApplySet rules', () => {
  test('two apps in one namespace still get two ids', () => {
    const app = new App({ outdir: '.' });
    new AppChart(app, 'first', { env: Environment.LOCAL, description: 'one app', namespace: 'shared' });
    new AppChart(app, 'second', { env: Environment.LOCAL, description: 'another app', namespace: 'shared' });
    const parents = collectManifests(app).filter((r) => isApplySetParent(r.manifest));
    expect(parents.map((p) => `${p.manifest.metadata.namespace}/${p.manifest.metadata.name}`)).toEqual(['shared/first-applyset', 'shared/second-applyset']);
    expect(parents[0].manifest.metadata.labels![APPLYSET.id]).not.toBe(parents[1].manifest.metadata.labels![APPLYSET.id]);
  });

  test('a parent whose id was edited by hand is refused with the value kubectl wants', () => {
    const [parent] = synthChart((chart: AppChart) => chart).filter((r) => isApplySetParent(r.manifest));
    const edited: ManifestRecord = { ...parent, manifest: { ...parent.manifest, metadata: { ...parent.manifest.metadata, labels: { ...parent.manifest.metadata.labels, [APPLYSET.id]: 'applyset-x-v1' } } } };
    expect(checkApplySets([edited]).map((f) => f.rule)).toEqual(['applyset/parent-id']);
    expect(checkApplySets([parent])).toEqual([]);
  });
});
