/**
 * A synthesised object as plain data, with where it came from. The
 * validation gate, the writer and the graph all work on these, so they can
 * handle YAML from anywhere, not only from our constructs.
 */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

export interface ManifestRecord {
  readonly manifest: Manifest;
  /** The file it is written to (or was read from), relative to the output folder. */
  readonly file: string;
  /** The construct path that made it, where known. */
  readonly constructPath?: string;
  /** The app it belongs to, where known. */
  readonly app?: string;
}

export function describe(m: Manifest): string {
  const ns = m.metadata?.namespace ? `${m.metadata.namespace}/` : '';
  return `${m.kind}/${ns}${m.metadata?.name ?? '<unnamed>'}`;
}

/** Apply order: what others depend on first, so `kubectl apply -f` never refers to something not yet created. */
const KIND_ORDER = [
  'Namespace',
  'PriorityClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'Secret',
  'ExternalSecret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Service',
  // Jobs before the pods that wait for them: a migration waiter reads a missing Job as one removed after its TTL.
  'Job',
  'CronJob',
  'StatefulSet',
  'Deployment',
  'DaemonSet',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'Ingress',
  'ServiceMonitor',
];

export function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

export function compareManifests(a: Manifest, b: Manifest): number {
  return kindRank(a.kind) - kindRank(b.kind) || cmp(a.kind, b.kind) || cmp(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '') || cmp(a.metadata?.name ?? '', b.metadata?.name ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
