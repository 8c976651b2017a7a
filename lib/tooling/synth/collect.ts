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

export function collectManifests(app: App): ManifestRecord[] {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const records: ManifestRecord[] = [];
  for (const chart of app.node.children.filter((c): c is AppChart => c instanceof AppChart)) {
    const objects = chart.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject);
    const rendered = objects.map((o) => ({ manifest: plain(o), path: o.node.path }));
    const parent = applySetParent({ app: chart.appName, namespace: chart.namespaceName, environment: chart.env.name, labels: chart.labelsFor('applyset'), members: rendered.map((r) => r.manifest) });
    rendered.push({ manifest: parent, path: `${chart.node.path}/applyset` });
    rendered.sort((a, b) => compareManifests(a.manifest, b.manifest));
    for (const r of rendered) records.push({ manifest: r.manifest, file: appFile(chart.appName), constructPath: r.path, app: chart.appName });
  }
  return records;
}

function plain(o: ApiObject): Manifest {
  const manifest = o.toJson();
  if (CLUSTER_SCOPED.has(manifest.kind)) delete manifest.metadata.namespace;
  return manifest as Manifest;
}
