/**
 * Finding the pod templates inside workload objects, and matching selectors
 * to labels, for the rules that relate objects to each other.
 */
import { Manifest, ManifestRecord } from './manifest';

export interface PodTemplateRef {
  readonly record: ManifestRecord;
  /** Field path of the template, e.g. `spec.template`. */
  readonly path: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: PodSpecLike;
  /** Runs until stopped (not a Job's pod). */
  readonly longRunning: boolean;
  readonly replicas?: number;
}

export interface ContainerLike {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort?: number; hostPort?: number }[];
  securityContext?: Record<string, any>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  env?: { name: string; valueFrom?: Record<string, any> }[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  volumeMounts?: { name: string; mountPath?: string }[];
  [key: string]: unknown;
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  ephemeralContainers?: ContainerLike[];
  volumes?: Record<string, any>[];
  securityContext?: Record<string, any>;
  serviceAccountName?: string;
  imagePullSecrets?: { name: string }[];
  topologySpreadConstraints?: unknown[];
  affinity?: { podAntiAffinity?: unknown };
  [key: string]: unknown;
}

const TEMPLATE_PATHS: Record<string, { path: string[]; longRunning: boolean }> = {
  Pod: { path: [], longRunning: true },
  Deployment: { path: ['spec', 'template'], longRunning: true },
  StatefulSet: { path: ['spec', 'template'], longRunning: true },
  DaemonSet: { path: ['spec', 'template'], longRunning: true },
  ReplicaSet: { path: ['spec', 'template'], longRunning: true },
  ReplicationController: { path: ['spec', 'template'], longRunning: true },
  Job: { path: ['spec', 'template'], longRunning: false },
  CronJob: { path: ['spec', 'jobTemplate', 'spec', 'template'], longRunning: false },
};

export function podTemplate(record: ManifestRecord): PodTemplateRef | undefined {
  const where = TEMPLATE_PATHS[record.manifest.kind];
  if (!where) return undefined;
  let node: any = record.manifest;
  for (const key of where.path) node = node?.[key];
  if (!node || typeof node !== 'object') return undefined;
  const spec = (node.spec ?? {}) as PodSpecLike;
  const replicasField = (record.manifest as any).spec?.replicas;
  const replicas = ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(record.manifest.kind) ? (typeof replicasField === 'number' ? replicasField : 1) : undefined;
  return {
    record,
    path: where.path.join('.'),
    labels: node.metadata?.labels ?? {},
    annotations: node.metadata?.annotations ?? {},
    spec,
    longRunning: where.longRunning,
    replicas,
  };
}

export function join(path: string, next: string): string {
  return path ? `${path}.${next}` : next;
}

export function allContainers(spec: PodSpecLike): { container: ContainerLike; field: string; init: boolean }[] {
  const out: { container: ContainerLike; field: string; init: boolean }[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    (spec[field] ?? []).forEach((container, i) => out.push({ container, field: `${field}[${i}]`, init: field !== 'containers' }));
  }
  return out;
}

/** A LabelSelector (matchLabels and matchExpressions) or a plain label map, as a Service uses. */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels: Record<string, string> = isLabelSelector ? (selector.matchLabels ?? {}) : selector;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of (isLabelSelector ? selector.matchExpressions : undefined) ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && e.values.includes(value))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function namespaceOf(m: Manifest): string {
  return m.metadata?.namespace ?? 'default';
}

/**
 * The pod templates a selector matches, found through the selector's rarest
 * label instead of a scan of every pod, so relating N Services, policies and
 * budgets to N pods stays linear.
 */
export class PodIndex {
  private readonly byNamespace = new Map<string, PodTemplateRef[]>();
  private readonly byLabel = new Map<string, PodTemplateRef[]>();

  public constructor(pods: readonly PodTemplateRef[]) {
    for (const pod of pods) {
      const ns = namespaceOf(pod.record.manifest);
      pushTo(this.byNamespace, ns, pod);
      for (const [k, v] of Object.entries(pod.labels)) pushTo(this.byLabel, `${ns}\0${k}\0${v}`, pod);
    }
  }

  /** Pods of `namespace` that `selector` (a plain map or a LabelSelector) matches; an empty LabelSelector matches all. */
  public matching(namespace: string, selector: any): PodTemplateRef[] {
    if (!selector) return [];
    const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
    const matchLabels: Record<string, string> = isLabelSelector ? (selector.matchLabels ?? {}) : selector;
    let candidates = this.byNamespace.get(namespace) ?? [];
    for (const [k, v] of Object.entries(matchLabels)) {
      const bucket = this.byLabel.get(`${namespace}\0${k}\0${v}`) ?? [];
      if (bucket.length < candidates.length) candidates = bucket;
    }
    return candidates.filter((p) => selectorMatches(selector, p.labels));
  }
}

/** Appends to the list under `key`, in place: grouping stays linear in the number of items. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
