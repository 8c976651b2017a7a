/**
 * One app of the catalogue: a cdk8s Chart in its own namespace. The namespace
 * declares its Pod Security level (restricted unless a reason is given) and
 * denies all traffic by default. Every object carries the app's recommended
 * labels; workloads override name, instance, component and version.
 */
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { ANNOTATION } from '../vocabulary/annotations';
import { Environment } from './environment';
import { LABEL, MANAGED_BY } from '../vocabulary/labels';
import { Check, checkProps } from './check-props';
import { checkDnsLabel } from './names';
import { namespaceBaselinePolicies } from './network-policy';
import { PodSecurityLevel } from '../vocabulary/pod-security-level';

/** A namespace that enforces less than `restricted`, and why: printed by every synth, checked by the gate. */
export interface PodSecurityExemption {
  /** The level the namespace enforces instead of `restricted`. */
  readonly level: PodSecurityLevel;
  /** Why the workload cannot meet `restricted`; printed by every synth. */
  readonly reason: string;
}

/** The props of an AppChart. */
export interface AppChartProps {
  /** The environment the chart is built for: replicas, TLS, storage and the rest follow it. */
  readonly env: Environment;
  /** One line on what the app is, for the summary and the graph. */
  readonly description: string;
  /**
   * The namespace the app's objects live in.
   * @default the chart id
   */
  readonly namespace?: string;
  /**
   * The app's version, for the `app.kubernetes.io/version` label of objects that are not workloads.
   * @default '1.0.0'
   */
  readonly version?: string;
  /**
   * A lower Pod Security level for the namespace, with the reason.
   * @default - restricted
   */
  readonly podSecurity?: PodSecurityExemption;
}

const APP_CHART = Symbol.for('shipshape.AppChart');

/**
 * One app in one namespace: the Namespace with its Pod Security labels, a default-deny NetworkPolicy with DNS
 * allowed, and every object of the app's constructs. It becomes `dist/<app>.yaml`.
 */
export class AppChart extends Chart {
  /** The AppChart a construct belongs to. */
  public static of(construct: IConstruct): AppChart {
    for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
      if ((c as unknown as Record<symbol, boolean>)[APP_CHART]) return c as AppChart;
    }
    throw new Error(`${construct.node.path}: must be created inside an AppChart`);
  }

  public readonly env: Environment;
  public readonly appName: string;
  public readonly namespaceName: string;
  public readonly description: string;
  public readonly version: string;
  public readonly podSecurity: PodSecurityExemption | undefined;
  private readonly namespaceObject: k8s.KubeNamespace;

  public constructor(scope: Construct, id: string, props: AppChartProps) {
    checkProps<AppChartProps>(`app '${id}'`, props, {
      env: Check.required(Check.instance(Environment, 'the env given to build()')),
      description: Check.required(Check.string),
      namespace: Check.string,
      version: Check.string,
      podSecurity: Check.object<PodSecurityExemption>({ level: Check.required(Check.instance(PodSecurityLevel, 'PodSecurityLevel.BASELINE or PRIVILEGED')), reason: Check.required(Check.string) }),
    });
    const appName = checkDnsLabel(`app '${id}'`, 'name', id);
    const namespace = checkDnsLabel(`app '${id}'`, 'namespace', props.namespace ?? appName);
    const version = props.version ?? '1.0.0';
    super(scope, id, {
      namespace,
      disableResourceNameHashes: true,
      labels: {
        [LABEL.name]: appName,
        [LABEL.instance]: appName,
        [LABEL.component]: 'platform',
        [LABEL.partOf]: appName,
        [LABEL.version]: version,
        [LABEL.managedBy]: MANAGED_BY,
      },
    });
    Object.defineProperty(this, APP_CHART, { value: true });
    this.env = props.env;
    this.appName = appName;
    this.namespaceName = namespace;
    this.description = props.description;
    this.version = version;
    this.podSecurity = props.podSecurity;
    if (props.podSecurity && props.podSecurity.reason.trim().length < 10) {
      throw new Error(`app '${id}': podSecurity level '${props.podSecurity.level.name}' needs a reason of a sentence; say why restricted cannot work`);
    }
    const level = props.podSecurity?.level ?? PodSecurityLevel.RESTRICTED;
    this.namespaceObject = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': level.name,
          'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED.name,
          'pod-security.kubernetes.io/warn': level.name,
        },
        annotations: props.podSecurity ? { [ANNOTATION.podSecurityReason]: props.podSecurity.reason } : undefined,
      },
    });
    namespaceBaselinePolicies(this, namespace, {});
  }

  /**
   * Puts a label on the app's namespace, e.g. the one a server's NetworkPolicy admits client namespaces by, so that
   * the server's file never lists its clients. A key set twice must keep its value.
   */
  public labelNamespace(key: string, value: string): void {
    const existing = this.namespaceObject.metadata.getLabel(key);
    if (existing !== undefined && existing !== value) {
      throw new Error(`app '${this.appName}': namespace label ${key} is already '${existing}', cannot also be '${value}'; use another label key`);
    }
    this.namespaceObject.metadata.addLabel(key, value);
  }

  /** Recommended labels for an object of this app that is not part of a workload. */
  public labelsFor(component: string): Record<string, string> {
    return {
      [LABEL.name]: this.appName,
      [LABEL.instance]: this.appName,
      [LABEL.component]: component,
      [LABEL.partOf]: this.appName,
      [LABEL.version]: this.version,
      [LABEL.managedBy]: MANAGED_BY,
    };
  }
}
