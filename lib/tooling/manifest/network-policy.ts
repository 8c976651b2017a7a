/**
 * What the NetworkPolicies of a set of manifests let through between two pod
 * templates, as the Kubernetes semantics say: a pod is isolated in a direction
 * once any policy of its namespace selects it for that direction, and is then
 * reachable only through the union of those policies' rules. Peers are matched
 * by pod and namespace labels (every namespace carries `kubernetes.io/metadata.name`).
 * ipBlock peers never match a pod: pod addresses are not known before apply.
 */
import { Manifest, ManifestRecord } from './manifest';
import { allContainers, namespaceOf, PodTemplateRef, selectorMatches } from './pods';

export type Direction = 'egress' | 'ingress';

export interface PolicyVerdict {
  /** The source's policies let it connect out. */
  readonly egress: boolean;
  /** The destination's policies let the source in. */
  readonly ingress: boolean;
}

/** Whether `from` may open a connection to `to` on `port` (a number, or a port name of `to`'s containers). */
export function connectionVerdict(records: readonly ManifestRecord[], from: PodTemplateRef, to: PodTemplateRef, port: number | string, protocol = 'TCP'): PolicyVerdict {
  const target = typeof port === 'number' ? port : namedPort(to, port);
  if (target === undefined) throw new Error(`${describePod(to)} declares no port named '${port}'`);
  const policies = records.map((r) => r.manifest).filter((m) => m.kind === 'NetworkPolicy');
  const namespaces = namespaceLabels(records);
  return {
    egress: allowed(policies, namespaces, 'egress', from, to, target, protocol),
    ingress: allowed(policies, namespaces, 'ingress', to, from, target, protocol),
  };
}

/** `subject`'s policies for `direction` admit `other` on the destination port. */
function allowed(policies: Manifest[], namespaces: Map<string, Record<string, string>>, direction: Direction, subject: PodTemplateRef, other: PodTemplateRef, port: number, protocol: string): boolean {
  const ns = namespaceOf(subject.record.manifest);
  const type = direction === 'egress' ? 'Egress' : 'Ingress';
  const selecting = policies.filter((p: any) => namespaceOf(p) === ns && selectorMatches(p.spec?.podSelector ?? {}, subject.labels) && policyTypes(p).includes(type));
  if (selecting.length === 0) return true;
  const destination = direction === 'egress' ? other : subject;
  const peersKey = direction === 'egress' ? 'to' : 'from';
  return selecting.some((p: any) =>
    (p.spec?.[direction] ?? []).some((rule: any) => portsAdmit(rule.ports, destination, port, protocol) && peersAdmit(rule[peersKey], ns, other, namespaces)),
  );
}

function policyTypes(p: any): string[] {
  return p.spec?.policyTypes ?? (p.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

function portsAdmit(ports: any[] | undefined, destination: PodTemplateRef, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const start = typeof p.port === 'number' ? p.port : namedPort(destination, p.port);
    return start !== undefined && port >= start && port <= (p.endPort ?? start);
  });
}

function peersAdmit(peers: any[] | undefined, policyNamespace: string, other: PodTemplateRef, namespaces: Map<string, Record<string, string>>): boolean {
  if (!peers || peers.length === 0) return true;
  const otherNs = namespaceOf(other.record.manifest);
  return peers.some((peer) => {
    if (peer.ipBlock) return false;
    const nsMatches = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaces.get(otherNs) ?? { 'kubernetes.io/metadata.name': otherNs }) : otherNs === policyNamespace;
    return nsMatches && selectorMatches(peer.podSelector ?? {}, other.labels);
  });
}

function namedPort(pod: PodTemplateRef, name: string): number | undefined {
  for (const { container } of allContainers(pod.spec)) for (const p of container.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}

/** Each namespace's labels, with the name label the API server sets on every namespace. */
function namespaceLabels(records: readonly ManifestRecord[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const { manifest: m } of records) {
    if (m.kind !== 'Namespace' || !m.metadata.name) continue;
    out.set(m.metadata.name, { ...(m.metadata.labels ?? {}), 'kubernetes.io/metadata.name': m.metadata.name });
  }
  return out;
}

function describePod(pod: PodTemplateRef): string {
  return `${pod.record.manifest.kind}/${namespaceOf(pod.record.manifest)}/${pod.record.manifest.metadata.name}`;
}
