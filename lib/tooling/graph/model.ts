/**
 * The synthesised system as a graph, read from plain manifests (so any YAML
 * can be drawn): workloads, Services, Ingresses, ConfigMaps, Secrets and
 * claims as nodes; what selects, routes to, mounts or reads what, and what
 * the NetworkPolicies let connect, as edges. DNS egress, which every
 * namespace allows, is left out.
 */
import { ANNOTATION } from '../../vocabulary/annotations';
import { isApplySetParent } from '../manifest/applyset';
import { Manifest, ManifestRecord } from '../manifest/manifest';
import { namespaceLevel } from '../validation/pod-security';
import { namespaceOf, PodIndex, podTemplate, PodTemplateRef } from '../manifest/pods';
import { madeByKubernetes, podReferences } from '../manifest/pod-references';

export type NodeKind = 'workload' | 'service' | 'ingress' | 'config' | 'secret' | 'claim' | 'outside';
export type EdgeKind = 'selects' | 'routes' | 'mounts' | 'reads' | 'connects' | 'allowed' | 'refused';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** Absent for what is outside the synthesised namespaces. */
  readonly namespace?: string;
  readonly lines: string[];
  /** Named by a pod but made outside the synth. */
  readonly external?: boolean;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

export interface SystemGraph {
  readonly namespaces: { readonly name: string; readonly level: string }[];
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

function id(kind: string, m: Pick<Manifest, 'metadata'>, ns = namespaceOf(m as Manifest)): string {
  return `${kind}/${ns}/${m.metadata.name}`;
}

function ports(list: any[] | undefined): string {
  return (list ?? []).map((p) => `:${p.port ?? p.targetPort}`).join(' ');
}

function workloadLines(m: Manifest): string[] {
  const spec = (m as any).spec ?? {};
  const scale = m.kind === 'CronJob' ? `schedule ${spec.schedule}` : spec.replicas !== undefined ? `×${spec.replicas}` : m.kind === 'DaemonSet' ? 'one per node' : m.kind === 'Deployment' ? 'autoscaled' : '';
  return [`${m.kind} ${m.metadata.name}`, scale].filter(Boolean);
}

interface Peer {
  /** Workloads the peer names. */
  readonly pods: PodTemplateRef[];
  /** Or, where it names no pods of ours, what it is. */
  readonly outside?: string;
}

export function buildGraph(records: readonly ManifestRecord[]): SystemGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const addNode = (n: GraphNode) => nodes.set(n.id, nodes.get(n.id) ?? n);
  const addEdge = (e: GraphEdge) => edges.set(`${e.from}|${e.to}|${e.kind}`, e);

  const pods = records.map(podTemplate).filter((p): p is PodTemplateRef => p !== undefined && WORKLOADS.has(p.record.manifest.kind));
  const index = new PodIndex(pods);
  const namespaceRecords = records.filter((r) => r.manifest.kind === 'Namespace');
  const namespaces = [...new Set([...namespaceRecords.map((r) => r.manifest.metadata.name!), ...records.filter((r) => r.manifest.metadata.namespace).map((r) => namespaceOf(r.manifest))])].sort();
  const ids = new Map(pods.map((p) => [p, id(p.record.manifest.kind, p.record.manifest)]));
  const workloadId = (p: PodTemplateRef) => ids.get(p)!;

  for (const p of pods) addNode({ id: workloadId(p), kind: 'workload', namespace: namespaceOf(p.record.manifest), lines: workloadLines(p.record.manifest) });

  for (const r of records) {
    const m = r.manifest as any;
    const ns = namespaceOf(r.manifest);
    if (m.kind === 'Service') {
      const sid = id('Service', m);
      addNode({ id: sid, kind: 'service', namespace: ns, lines: [`Service ${m.metadata.name}`, `${m.spec?.clusterIP === 'None' ? 'headless ' : ''}${ports(m.spec?.ports)}`.trim()] });
      for (const p of m.spec?.selector ? index.matching(ns, m.spec.selector) : []) addEdge({ from: sid, to: workloadId(p), kind: 'selects' });
    } else if (m.kind === 'Ingress') {
      const iid = id('Ingress', m);
      addNode({ id: iid, kind: 'ingress', namespace: ns, lines: [`Ingress ${m.metadata.name}`, ...(m.spec?.rules ?? []).map((rule: any) => rule.host ?? '*')] });
      for (const rule of m.spec?.rules ?? []) {
        for (const path of rule.http?.paths ?? []) {
          const svc = path.backend?.service;
          if (svc?.name) addEdge({ from: iid, to: `Service/${ns}/${svc.name}`, kind: 'routes', label: `${path.path ?? '/'} → :${svc.port?.number ?? svc.port?.name}` });
        }
      }
    } else if (m.kind === 'ConfigMap' && !isApplySetParent(m)) {
      addNode({ id: id('ConfigMap', m), kind: 'config', namespace: ns, lines: [`ConfigMap ${m.metadata.name}`] });
    } else if (m.kind === 'Secret' || m.kind === 'ExternalSecret') {
      const name = m.kind === 'ExternalSecret' ? (m.spec?.target?.name ?? m.metadata.name) : m.metadata.name;
      addNode({ id: `Secret/${ns}/${name}`, kind: 'secret', namespace: ns, lines: [`Secret ${name}`, ...(m.kind === 'ExternalSecret' ? ['from ExternalSecret'] : [])] });
    } else if (m.kind === 'PersistentVolumeClaim') {
      addNode({ id: id('PersistentVolumeClaim', m), kind: 'claim', namespace: ns, lines: [`PVC ${m.metadata.name}`, m.spec?.resources?.requests?.storage ?? ''].filter(Boolean) });
    }
  }

  for (const p of pods) {
    const m = p.record.manifest as any;
    const ns = namespaceOf(m);
    for (const t of m.spec?.volumeClaimTemplates ?? []) {
      const cid = `PersistentVolumeClaim/${ns}/${t.metadata.name}-${m.metadata.name}-*`;
      addNode({ id: cid, kind: 'claim', namespace: ns, lines: [`PVCs ${t.metadata.name}-${m.metadata.name}-N`, t.spec?.resources?.requests?.storage ?? ''].filter(Boolean) });
      addEdge({ from: workloadId(p), to: cid, kind: 'mounts' });
    }
    // Objects in the output were added above; a reference adds a node only for what is made outside the synth.
    for (const ref of podReferences(p)) {
      if (ref.kind === 'ServiceAccount' || madeByKubernetes(ref)) continue;
      const target = `${ref.kind}/${ns}/${ref.name}`;
      const kind: NodeKind = ref.kind === 'Secret' ? 'secret' : ref.kind === 'ConfigMap' ? 'config' : 'claim';
      addNode({ id: target, kind, namespace: ns, lines: [`${ref.kind === 'PersistentVolumeClaim' ? 'PVC' : ref.kind} ${ref.name}`, 'made outside the synth'], external: true });
      addEdge({ from: workloadId(p), to: target, kind: /\.volumes\[/.test(ref.field) ? 'mounts' : 'reads' });
    }
  }

  const namespaceLabels = new Map(namespaceRecords.map((r) => [r.manifest.metadata.name!, { ...(r.manifest.metadata.labels ?? {}), 'kubernetes.io/metadata.name': r.manifest.metadata.name! }]));
  addPolicyEdges(records, index, namespaces, namespaceLabels, workloadId, addNode, addEdge);

  const levels = new Map(namespaceRecords.map((r) => [r.manifest.metadata.name!, namespaceLevel(r.manifest).level.name]));
  return {
    namespaces: namespaces.map((name) => ({ name, level: levels.get(name) ?? 'unknown' })),
    nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    // Sorted by their keys (from|to|kind), made once rather than in every comparison.
    edges: [...edges.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, e]) => e),
  };
}

/** What a policy's address blocks are, from the annotation constructs write (absent on YAML of others). */
function addressNames(policy: any): Record<string, string> {
  const raw = policy.metadata?.annotations?.[ANNOTATION.addressNames];
  if (typeof raw !== 'string') return {};
  try {
    const parsed = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** Connections the NetworkPolicies allow: egress of one side matched with ingress of the other. */
function addPolicyEdges(
  records: readonly ManifestRecord[],
  index: PodIndex,
  namespaces: string[],
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
  workloadId: (p: PodTemplateRef) => string,
  addNode: (n: GraphNode) => void,
  addEdge: (e: GraphEdge) => void,
): void {
  const policies = records.filter((r) => r.manifest.kind === 'NetworkPolicy').map((r) => r.manifest as any);
  const peer = (policyNs: string, p: any, names: Record<string, string>): Peer => {
    if (p.ipBlock) {
      const except = p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(', ')}` : '';
      const name = names[p.ipBlock.cidr];
      return { pods: [], outside: name ? `${name}: ${p.ipBlock.cidr}${except}` : `addresses ${p.ipBlock.cidr}${except}` };
    }
    const nsLabels = p.namespaceSelector?.matchLabels ?? {};
    const named = nsLabels['kubernetes.io/metadata.name'];
    // Namespaces selected by other labels are those synthesised here that carry them (e.g. a server's client label).
    const byLabels = () => namespaces.filter((ns) => Object.entries(nsLabels).every(([k, v]) => namespaceLabels.get(ns)?.[k] === v));
    const inNamespaces = p.namespaceSelector === undefined ? [policyNs] : named ? [named] : Object.keys(nsLabels).length === 0 ? namespaces : byLabels();
    if (!p.podSelector) {
      const labelled = p.namespaceSelector !== undefined && !named && Object.keys(nsLabels).length > 0;
      const pods = labelled ? inNamespaces.flatMap((ns) => index.matching(ns, {})) : [];
      if (pods.length > 0) return { pods };
      const selector = Object.entries(nsLabels).map(([k, v]) => `${k}=${v}`).join(',');
      return { pods: [], outside: p.namespaceSelector === undefined ? `all pods of ${policyNs}` : named ? `namespace ${named}` : labelled ? `namespaces labelled ${selector}` : 'any namespace' };
    }
    const pods = inNamespaces.flatMap((ns) => index.matching(ns, p.podSelector));
    return pods.length > 0 ? { pods } : { pods: [], outside: `pods labelled ${Object.entries(p.podSelector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}` };
  };
  const egress = new Map<string, string>();
  const ingress = new Map<string, string>();
  const ingressGuarded = new Set<string>();
  for (const np of policies) {
    const ns = namespaceOf(np);
    const names = addressNames(np);
    const selected = index.matching(ns, np.spec?.podSelector ?? {});
    const types: string[] = np.spec?.policyTypes ?? ['Ingress'];
    if (types.includes('Ingress')) for (const w of selected) ingressGuarded.add(workloadId(w));
    // Ingress rules name who may come in; egress rules name where the selected pods may go.
    const directions = [
      { rules: np.spec?.ingress ?? [], peers: 'from', pairs: ingress, inbound: true },
      { rules: np.spec?.egress ?? [], peers: 'to', pairs: egress, inbound: false },
    ];
    for (const { rules, peers, pairs, inbound } of directions) {
      for (const rule of rules) {
        if (!inbound && (rule.ports ?? []).length > 0 && rule.ports.every((p: any) => p.port === 53)) continue;
        const label = ports(rule.ports) || 'any port';
        for (const other of (rule[peers] ?? [{ ipBlock: { cidr: '0.0.0.0/0' } }]).map((p: any) => peer(ns, p, names))) {
          for (const w of selected) {
            for (const o of other.pods) pairs.set(inbound ? `${workloadId(o)}|${workloadId(w)}` : `${workloadId(w)}|${workloadId(o)}`, label);
            if (!other.outside) continue;
            const outside = `outside/${other.outside}`;
            addNode({ id: outside, kind: 'outside', lines: [other.outside] });
            addEdge(inbound ? { from: outside, to: workloadId(w), kind: 'allowed', label } : { from: workloadId(w), to: outside, kind: 'connects', label });
          }
        }
      }
    }
  }
  for (const [pair, label] of egress) {
    const [from, to] = pair.split('|');
    if (ingress.has(pair) || !ingressGuarded.has(to)) addEdge({ from, to, kind: 'connects', label });
    else addEdge({ from, to, kind: 'refused', label: `${label}: egress allowed, ingress refused` });
  }
  for (const [pair, label] of ingress) {
    if (egress.has(pair)) continue;
    const [from, to] = pair.split('|');
    addEdge({ from, to, kind: 'allowed', label });
  }
}
