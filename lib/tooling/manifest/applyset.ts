/**
 * kubectl ApplySets (KEP-3659), so that objects removed from the code are
 * pruned, and nothing else. Each app gets its own parent ConfigMap in its own
 * namespace, written into the app's file:
 *
 *   KUBECTL_APPLYSET=true kubectl apply -n <ns> --prune --applyset=configmaps/<app>-applyset -f dist/<app>.yaml
 *
 * Members do not carry `applyset.kubernetes.io/part-of` in dist: kubectl adds
 * it, and refuses input that already has it. The parent carries what kubectl
 * itself would write, so applying it with or without `--applyset` agrees.
 */
import { createHash } from 'crypto';
import { Manifest } from './manifest';

export const APPLYSET = {
  id: 'applyset.kubernetes.io/id',
  partOf: 'applyset.kubernetes.io/part-of',
  tooling: 'applyset.kubernetes.io/tooling',
  groupKinds: 'applyset.kubernetes.io/contains-group-kinds',
  additionalNamespaces: 'applyset.kubernetes.io/additional-namespaces',
} as const;

/** kubectl only compares the tool name (before the last '/'), so any kubectl version can take over the set. */
export const APPLYSET_TOOLING = 'kubectl/v1.32.0';

/** Keys of the parent's data: what was synthesised, for `npm run plan` and for people reading the cluster. */
export const PARENT_DATA = { app: 'app', environment: 'environment' } as const;

export function applySetParentName(app: string): string {
  return `${app}-applyset`;
}

/** The API group of `group/version`; '' for the core group's plain `v1`. */
function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** `Kind` for the core group, `Kind.group` otherwise: kubectl's GroupKind string. */
export function groupKind(m: Pick<Manifest, 'apiVersion' | 'kind'>): string {
  const group = apiGroup(m.apiVersion);
  return group ? `${m.kind}.${group}` : m.kind;
}

/** kubectl's id: base64url(sha256(<name>.<namespace>.<kind>.<group>)), wrapped as `applyset-…-v1`. */
export function applySetId(parent: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): string {
  const key = [parent.metadata.name ?? '', parent.metadata.namespace ?? '', parent.kind, apiGroup(parent.apiVersion)].join('.');
  return `applyset-${createHash('sha256').update(key).digest('base64url')}-v1`;
}

export interface ApplySetParentOptions {
  readonly app: string;
  readonly namespace: string;
  readonly environment: string;
  readonly labels: Record<string, string>;
  /** The app's other objects: their kinds and namespaces go into the parent's annotations. */
  readonly members: readonly Manifest[];
}

export function applySetParent(options: ApplySetParentOptions): Manifest {
  const metadata = { name: applySetParentName(options.app), namespace: options.namespace };
  const parent = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  const all = [...options.members, parent];
  const kinds = [...new Set(all.map(groupKind))].sort();
  const namespaces = [...new Set(all.map((m) => m.metadata.namespace).filter((ns): ns is string => !!ns && ns !== options.namespace))].sort();
  const labels = { ...options.labels, [APPLYSET.id]: applySetId(parent) };
  // Keys in the order cdk8s writes them, so the parent reads like every other object.
  return {
    apiVersion: parent.apiVersion,
    kind: parent.kind,
    metadata: {
      annotations: {
        [APPLYSET.additionalNamespaces]: namespaces.join(','),
        [APPLYSET.groupKinds]: kinds.join(','),
        [APPLYSET.tooling]: APPLYSET_TOOLING,
      },
      labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))),
      ...metadata,
    },
    data: { [PARENT_DATA.app]: options.app, [PARENT_DATA.environment]: options.environment },
  };
}

/** The command that applies one app's file and prunes what left it. */
export function applyCommand(parent: Manifest, file: string): string {
  return `kubectl apply -n ${parent.metadata.namespace} --prune --applyset=configmaps/${parent.metadata.name} -f ${file}`;
}

/** The same, with the variable kubectl still needs while ApplySets are alpha, ready to paste. */
export function applyCommandLine(parent: Manifest, file: string): string {
  return `KUBECTL_APPLYSET=true ${applyCommand(parent, file)}`;
}

export function isApplySetParent(m: Manifest): boolean {
  return m.metadata?.labels?.[APPLYSET.id] !== undefined;
}
