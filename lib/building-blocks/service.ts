/**
 * Services select pods by the stable recommended labels and target container
 * ports by name, so a port renumbering in the container never breaks them.
 */
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { recommendedLabels } from './labels';
import { Check, checkProps, PropsSpec } from './check-props';
import { checkDns1035Label, checkPort } from './names';
import { Workload } from './workload';

/** A port of a Service, routed to the container port of the same name. */
export interface ServicePort {
  /** Must be the name of a container port of the workload. */
  readonly name: string;
  /** The port the Service listens on. */
  readonly port: number;
}

/** The props of a WorkloadService. */
export interface WorkloadServiceProps {
  /** The Service's name: the DNS name clients use. */
  readonly name: string;
  /** The ports, each routed to the workload's container port of the same name. */
  readonly ports: readonly ServicePort[];
  /**
   * No cluster IP: DNS returns every pod, for peers and client-side hashing.
   * @default false
   */
  readonly headless?: boolean;
  /**
   * Publish DNS records of pods that are not ready yet, so that members find each other while they form a cluster.
   * @default false
   */
  readonly publishNotReadyAddresses?: boolean;
}

/** `<statefulSet>-<i>.<headless>.<namespace>.svc.<domain>` for each ordinal: names that survive restarts and rescheduling. */
export function statefulPodHosts(statefulSet: string, headless: string, namespace: string, clusterDomain: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${statefulSet}-${i}.${headless}.${namespace}.svc.${clusterDomain}`);
}

const WORKLOAD_SERVICE_PROPS: PropsSpec<WorkloadServiceProps> = {
  name: Check.required(Check.string),
  ports: Check.required(Check.array(Check.object<ServicePort>({ name: Check.required(Check.string), port: Check.required(Check.port) }))),
  headless: Check.boolean,
  publishNotReadyAddresses: Check.boolean,
};

/** A Service that selects exactly the pods of one Workload, by its stable selector labels. */
export class WorkloadService extends Construct {
  public readonly name: string;
  public readonly ports: readonly ServicePort[];

  public constructor(scope: Construct, id: string, public readonly workload: Workload, props: WorkloadServiceProps) {
    super(scope, id);
    checkProps<WorkloadServiceProps>(`service '${id}'`, props, WORKLOAD_SERVICE_PROPS);
    this.name = checkDns1035Label(`service '${id}'`, 'name', props.name);
    this.ports = props.ports;
    for (const [i, p] of props.ports.entries()) {
      const twin = props.ports.findIndex((q) => q.name === p.name || q.port === p.port);
      if (twin < i) throw new Error(`service '${props.name}': ports '${props.ports[twin].name}' and '${p.name}' share a ${props.ports[twin].name === p.name ? 'name' : 'port number'}; give each port its own name and number`);
    }
    const containerPorts = new Set(workload.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const p of props.ports) {
      checkPort(`service '${props.name}'`, `port '${p.name}'`, p.port);
      if (!containerPorts.has(p.name)) {
        throw new Error(`service '${props.name}': port '${p.name}' names no container port of ${workload.name}; known: ${[...containerPorts].join(', ') || 'none'}`);
      }
    }
    new k8s.KubeService(this, 'resource', {
      metadata: { name: props.name, namespace: workload.namespace, labels: recommendedLabels(workload.identity) },
      spec: {
        type: 'ClusterIP',
        clusterIp: props.headless ? 'None' : undefined,
        publishNotReadyAddresses: props.publishNotReadyAddresses,
        selector: workload.selector,
        ports: props.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
      },
    });
  }

  /** For a headless Service of a StatefulSet: each pod's stable DNS name, in ordinal order. */
  public podHosts(): string[] {
    return statefulPodHosts(this.workload.name, this.name, this.workload.namespace, this.workload.env.config.clusterDomain, this.workload.replicas);
  }

  /** The Service's cluster DNS name. */
  public get host(): string {
    return `${this.name}.${this.workload.namespace}.svc.${this.workload.env.config.clusterDomain}`;
  }
}
