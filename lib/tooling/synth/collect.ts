/**
 * Turns a construct tree into plain manifests, keeping each object's construct
 * path for error messages. Construct validations run first. Each app gets
 * its ApplySet parent, which has to see every other object of the app.
 */
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { applySetParent } from '../manifest/applyset';
import { compareManifests, Manifest, ManifestRecord } from '../manifest/manifest';

/** Kinds without a namespace; the chart's namespace must not be stamped on them. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'CustomResourceDefinition', 'StorageClass', 'IngressClass']);

export function appFile(appName: string): string {
  return `${appName}.yaml`;
}

/** How many resolved objects go to a `collectManifests` sink at a time. */
const BATCH = 250;

/**
 * The app's objects as plain manifests, in output order. `sink`, if given, receives every record once, in batches as
 * they are resolved (not in output order), so a helper thread can start on them while the rest resolve.
 */
export function collectManifests(app: App, sink?: (batch: ManifestRecord[]) => void): ManifestRecord[] {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const records: ManifestRecord[] = [];
  let pending: ManifestRecord[] = [];
  const emit = (r: ManifestRecord, flush = false) => {
    if (!sink) return;
    pending.push(r);
    if (pending.length >= BATCH || flush) {
      sink(pending);
      pending = [];
    }
  };
  for (const chart of app.node.children.filter((c): c is AppChart => c instanceof AppChart)) {
    const file = appFile(chart.appName);
    const objects = chart.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject);
    const rendered: ManifestRecord[] = [];
    for (const o of objects) {
      const record = { manifest: plain(o), file, constructPath: o.node.path, app: chart.appName };
      rendered.push(record);
      emit(record);
    }
    const parent = applySetParent({ app: chart.appName, namespace: chart.namespaceName, environment: chart.env.name, labels: chart.labelsFor('applyset'), members: rendered.map((r) => r.manifest) });
    const parentRecord = { manifest: parent, file, constructPath: `${chart.node.path}/applyset`, app: chart.appName };
    rendered.push(parentRecord);
    emit(parentRecord, true);
    rendered.sort((a, b) => compareManifests(a.manifest, b.manifest));
    records.push(...rendered);
  }
  return records;
}

function plain(o: ApiObject): Manifest {
  const manifest = o.toJson();
  if (CLUSTER_SCOPED.has(manifest.kind)) delete manifest.metadata.namespace;
  return manifest as Manifest;
}
