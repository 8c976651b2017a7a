/**
 * Network policy: every namespace denies all traffic by default and allows
 * DNS; each workload then allows exactly the peers it was told about, on
 * both sides (the server's ingress and the client's egress).
 */
import { Construct } from 'constructs';
import { Lazy } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { Check, checkProps, PropsSpec } from './check-props';
import { ANNOTATION } from '../vocabulary/annotations';
import type { ClusterNetwork } from './environment';

/** Pods a policy rule can name. */
export interface NetworkPeer {
  /** Human-readable, for errors and the graph. */
  readonly description: string;
  /** The NetworkPolicy peer that selects these pods or addresses. */
  readonly rule: k8s.NetworkPolicyPeer;
  /**
   * For an address block: what it is (e.g. 'Kubernetes API'), recorded on the policy for the graph.
   * @default - unnamed: the graph shows the addresses only
   */
  readonly addressName?: string;
}

/** A port a network policy rule allows. */
export interface PortSpec {
  /** The port number. */
  readonly port: number;
  /** Transport protocol. @default TCP */
  readonly protocol?: 'TCP' | 'UDP';
}

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Factories for the peers a network policy rule can name. */
export class NetworkPeers {
  /** Pods with these labels in a namespace. */
  public static pods(description: string, namespace: string, labels: Readonly<Record<string, string>>): NetworkPeer {
    return {
      description,
      rule: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...labels } } },
    };
  }

  /** Pods carrying `label: "true"` in any namespace: clients that opt in, as the Bitnami charts' allowExternal=false. */
  public static labelledClients(label: string): NetworkPeer {
    return { description: `pods labelled ${label}=true`, rule: { namespaceSelector: {}, podSelector: { matchLabels: { [label]: 'true' } } } };
  }

  /**
   * Every pod of the namespaces carrying `label: "true"`: a server admits its clients' namespaces by a label their own
   * app sets, so the server's policy never lists (or depends on) its clients. Only who may create or label namespaces
   * can join; the server still authenticates each client.
   */
  public static labelledNamespaces(label: string): NetworkPeer {
    return { description: `namespaces labelled ${label}=true`, rule: { namespaceSelector: { matchLabels: { [label]: 'true' } } } };
  }

  /** Every pod of a namespace (e.g. the ingress controller's). */
  public static namespace(namespace: string): NetworkPeer {
    return { description: `namespace ${namespace}`, rule: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } } };
  }

  /**
   * Addresses outside the cluster, e.g. a managed database; `name` says what they are, in the graph.
   * @param name @default - the graph shows the addresses only
   */
  public static cidr(cidr: string, except: readonly string[] = [], name?: string): NetworkPeer {
    return { description: name ? `${name} (${cidr})` : `network ${cidr}`, rule: { ipBlock: { cidr, except: except.length > 0 ? [...except] : undefined } }, addressName: name };
  }

  /**
   * Every IPv4 address except the cluster's own (pods, services, nodes): for a workload that calls services on the
   * internet (webhooks, OAuth) without reaching into the cluster around its policies.
   */
  public static internet(cluster: ClusterNetwork): NetworkPeer {
    const except = [...new Set([...cluster.podCidrs, ...cluster.serviceCidrs, ...cluster.nodeCidrs])].filter((c) => !c.includes(':'));
    return NetworkPeers.cidr('0.0.0.0/0', except, 'the internet, not the cluster');
  }
}

interface Rule {
  readonly peer: NetworkPeer;
  readonly ports: readonly PortSpec[];
}

/** The NetworkPolicy object of one workload and the pods it applies to. */
export interface WorkloadNetworkPolicyProps {
  /** The NetworkPolicy's name. */
  readonly name: string;
  /** The namespace of the policy and its pods. */
  readonly namespace: string;
  /** Labels of the NetworkPolicy object. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the pods the policy applies to. */
  readonly podSelector: Readonly<Record<string, string>>;
}

const WORKLOAD_NETWORK_POLICY_PROPS: PropsSpec<WorkloadNetworkPolicyProps> = {
  name: Check.required(Check.string),
  namespace: Check.required(Check.string),
  labels: Check.required(Check.stringRecord),
  podSelector: Check.required(Check.stringRecord),
};

/** The allow rules of one workload, filled in as other constructs connect to it. */
export class WorkloadNetworkPolicy extends Construct {
  private readonly ingress: Rule[] = [];
  private readonly egress: Rule[] = [];
  private readonly resource: k8s.KubeNetworkPolicy;
  private named = false;

  public constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    checkProps<WorkloadNetworkPolicyProps>(`network policy '${id}'`, props, WORKLOAD_NETWORK_POLICY_PROPS);
    this.resource = new k8s.KubeNetworkPolicy(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({ produce: () => this.ingress.map((r) => ({ from: [r.peer.rule], ports: renderPorts(r.ports) })) }),
        egress: Lazy.any({ produce: () => this.egress.map((r) => ({ to: [r.peer.rule], ports: renderPorts(r.ports) })) }),
      },
    });
  }

  public allowIngress(peer: NetworkPeer, ports: readonly PortSpec[]): void {
    addRule(this.ingress, peer, ports);
    this.nameAddresses(peer);
  }

  public allowEgress(peer: NetworkPeer, ports: readonly PortSpec[]): void {
    addRule(this.egress, peer, ports);
    this.nameAddresses(peer);
  }

  /** The first named address block adds the annotation; its value is produced at synth, from every named rule. */
  private nameAddresses(peer: NetworkPeer): void {
    if (this.named || !peer.addressName || !peer.rule.ipBlock) return;
    this.named = true;
    this.resource.metadata.addAnnotation(ANNOTATION.addressNames, Lazy.any({ produce: () => JSON.stringify(this.addressNames()) }));
  }

  /** Names of the address blocks the rules allow, for the graph. */
  private addressNames(): Record<string, string> {
    const named = [...this.ingress, ...this.egress].filter((r) => r.peer.addressName && r.peer.rule.ipBlock);
    return Object.fromEntries(named.map((r) => [r.peer.rule.ipBlock!.cidr, r.peer.addressName!]).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Rules as plain data, for the graph and tests. */
  public get rules(): { readonly ingress: readonly Rule[]; readonly egress: readonly Rule[] } {
    return { ingress: this.ingress, egress: this.egress };
  }
}

function addRule(rules: Rule[], peer: NetworkPeer, ports: readonly PortSpec[]): void {
  const key = JSON.stringify(peer.rule);
  const existing = rules.find((r) => JSON.stringify(r.peer.rule) === key);
  if (!existing) {
    rules.push({ peer, ports: [...ports] });
    return;
  }
  const merged = [...existing.ports];
  for (const p of ports) if (!merged.some((m) => m.port === p.port && (m.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))) merged.push(p);
  rules[rules.indexOf(existing)] = { peer: existing.peer, ports: merged };
}

function renderPorts(ports: readonly PortSpec[]): k8s.NetworkPolicyPort[] | undefined {
  if (ports.length === 0) return undefined;
  return ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' }));
}

/** The namespace baseline: deny everything, then allow DNS lookups to the cluster's resolver. */
export function namespaceBaselinePolicies(scope: Construct, namespace: string, labels: Readonly<Record<string, string>>): void {
  new k8s.KubeNetworkPolicy(scope, 'default-deny', {
    metadata: { name: 'default-deny', namespace, labels: { ...labels } },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  new k8s.KubeNetworkPolicy(scope, 'allow-dns', {
    metadata: { name: 'allow-dns', namespace, labels: { ...labels } },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
            { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
          ],
        },
      ],
    },
  });
}
