/**
 * A user's own HTTP service: a Deployment, a ClusterIP Service, and an
 * Ingress where a host is given (with TLS where the environment has it),
 * plus everything a Workload brings (security, probes, PDB, spread, policy).
 */
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { AppChart } from '../building-blocks/app-chart';
import { ConnectOptions } from '../building-blocks/connection';
import { PerEnvironment } from '../building-blocks/environment';
import { WebIngress } from '../building-blocks/ingress';
import { Check, checkProps, PropsSpec } from '../building-blocks/check-props';
import { checkCount, checkPort } from '../building-blocks/names';
import { SERVICE_CONTAINER, Shapes } from '../building-blocks/prop-shapes';
import { Probe } from '../building-blocks/probes';
import { buildServiceContainer, ServiceContainerProps } from '../building-blocks/service-container';
import { WorkloadService } from '../building-blocks/service';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Connectable, Workload } from '../building-blocks/workload';

/** A HorizontalPodAutoscaler on cpu for a WebService. */
export interface AutoscalingOptions {
  /** The fewest replicas the autoscaler keeps. */
  readonly minReplicas: number;
  /** The most replicas the autoscaler scales to. */
  readonly maxReplicas: number;
  /** Average cpu utilisation (of the request) to aim for. @default 70 */
  readonly targetCpuPercent?: number;
}

/** A port beyond `http`, on the main container and the Service. */
export interface WebPort {
  /** Port name (a DNS label of up to 15 characters), e.g. `grpc`. */
  readonly name: string;
  /** The port the container listens on. */
  readonly port: number;
  /** The Service's port. @default the container port */
  readonly servicePort?: number;
}

/** The settings of a WebService. */
export interface WebServiceProps extends ServiceContainerProps {
  /** The port the container listens on; it is named `http`. */
  readonly port: number;
  /** The Service's port. @default 80 */
  readonly servicePort?: number;
  /** Path answering 200 when the process is alive and ready. @default '/healthz' */
  readonly healthPath?: string;
  /** A readiness path of its own, e.g. one that checks dependencies. @default healthPath */
  readonly readinessPath?: string;
  /** Public host name, per environment; no Ingress without one. @default - no Ingress */
  readonly ingressHost?: string | PerEnvironment<string>;
  /** How the pods stop. @default ShutdownPolicy.server() (5 s drain, 20 s to finish requests) */
  readonly shutdown?: ShutdownPolicy;
  /** A HorizontalPodAutoscaler on cpu; the Deployment then leaves replicas to it. @default - none */
  readonly autoscaling?: AutoscalingOptions;
  /** More ports than `http` (gRPC, metrics), each on the main container and the Service. @default - none */
  readonly ports?: readonly WebPort[];
  /** Annotations of the Ingress, e.g. for the ingress controller or cert-manager. @default - none */
  readonly ingressAnnotations?: Readonly<Record<string, string>>;
}

/** The checks of WebServiceProps, made once: a spec built at every construction cost ~50 µs (N=1000 bench). */
const WEB_SERVICE_PROPS: PropsSpec<WebServiceProps> = {
  ...SERVICE_CONTAINER,
  port: Check.required(Check.port),
  servicePort: Check.port,
  healthPath: Check.string,
  readinessPath: Check.string,
  ingressHost: Shapes.perEnvironment(Check.string),
  shutdown: Shapes.shutdown,
  autoscaling: Check.object<AutoscalingOptions>({ minReplicas: Check.required(Check.integer(1, 1000)), maxReplicas: Check.required(Check.integer(1, 1000)), targetCpuPercent: Check.integer(1, 100) }),
  ports: Check.array(Check.object<WebPort>({ name: Check.required(Check.nonEmptyString), port: Check.required(Check.port), servicePort: Check.port })),
  ingressAnnotations: Check.stringRecord,
};

/** An HTTP service: a Deployment with a Service, and an Ingress where a host is given. */
export class WebService extends Construct {
  public readonly workload: Workload;
  public readonly service: WorkloadService;
  public readonly ingress?: WebIngress;

  public constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    const owner = `web service '${id}'`;
    checkProps<WebServiceProps>(owner, props, WEB_SERVICE_PROPS);
    const extraPorts = props.ports ?? [];
    const taken = extraPorts.find((p) => p.name === 'http');
    if (taken) throw new Error(`${owner}: ports names 'http', the main port's name; give port ${taken.port} another name`);
    checkPort(owner, 'port', props.port);
    const built = buildServiceContainer(this, id, props);
    const health = props.healthPath ?? '/healthz';
    const scaling = props.autoscaling;
    if (scaling) {
      checkCount(owner, 'autoscaling.minReplicas', scaling.minReplicas, 1, 1000);
      checkCount(owner, 'autoscaling.maxReplicas', scaling.maxReplicas, scaling.minReplicas, 1000);
    }
    this.workload = new Workload(this, 'workload', {
      identity: { name: id, instance: id, component: 'server' },
      replicas: scaling?.minReplicas ?? built.replicas,
      replicasManagedExternally: scaling !== undefined,
      shutdown: props.shutdown ?? ShutdownPolicy.server(),
      volumes: built.volumes,
      ...built.pod,
      containers: [
        {
          ...built.container,
          ports: [{ name: 'http', port: props.port }, ...extraPorts.map((p) => ({ name: p.name, port: p.port }))],
          probes: {
            startup: Probe.http(health, 'http', { periodSeconds: 5, failureThreshold: 60 }),
            liveness: Probe.http(health, 'http', { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 }),
            readiness: Probe.http(props.readinessPath ?? health, 'http', { periodSeconds: 5, timeoutSeconds: 3 }),
          },
        },
        ...built.sidecars,
      ],
    });
    this.service = new WorkloadService(this, 'service', this.workload, {
      name: id,
      ports: [{ name: 'http', port: props.servicePort ?? 80 }, ...extraPorts.map((p) => ({ name: p.name, port: p.servicePort ?? p.port }))],
    });
    if (props.ingressHost !== undefined) {
      const host = typeof props.ingressHost === 'string' ? props.ingressHost : chart.env.pick(props.ingressHost);
      this.ingress = new WebIngress(this, 'ingress', this.service, { host, portName: 'http', annotations: props.ingressAnnotations });
    }
    if (scaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
        metadata: { name: id, namespace: chart.namespaceName, labels: chart.labelsFor('server') },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: id },
          minReplicas: scaling.minReplicas,
          maxReplicas: scaling.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: checkCount(owner, 'autoscaling.targetCpuPercent', scaling.targetCpuPercent ?? 70, 1, 100) } } }],
        },
      });
    }
  }

  /** Puts the target's connection settings into the env and opens both network policies. */
  public connectTo(target: Connectable, options?: ConnectOptions): this {
    this.workload.connectTo(target, options);
    return this;
  }

  /** Lets another workload of ours call this one, on every port of its Service. */
  public allowFrom(client: Workload): void {
    this.workload.allowFrom(client, (this.workload.containers[0].ports ?? []).map((p) => ({ port: p.port })));
  }

  /** In-cluster URL, e.g. `http://orders.shop.svc.cluster.local`. */
  public get url(): string {
    return `http://${this.service.host}${this.service.ports[0].port === 80 ? '' : `:${this.service.ports[0].port}`}`;
  }
}
