/**
 * An Ingress for a Service, with an explicit IngressClass and TLS where the
 * environment asks for it. Nothing is exposed by a LoadBalancer; the ingress
 * controller's namespace is let in by NetworkPolicy to this port only.
 */
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { recommendedLabels } from './labels';
import { Check, checkProps, PropsSpec } from './check-props';
import { checkDnsSubdomain } from './names';
import { ingressHostProblem, ingressPathProblem } from '../vocabulary/formats';
import { NetworkPeers } from './network-policy';
import { WorkloadService } from './service';

/** How a WebIngress exposes a Service port over HTTP(S). */
export interface WebIngressProps {
  /** The host name the Ingress serves, e.g. api.example.com. */
  readonly host: string;
  /** The Service port name to route to. */
  readonly portName: string;
  /**
   * Secret holding the TLS certificate (created by cert-manager or out of band).
   * @default '<service>-tls' where the environment uses TLS
   */
  readonly tlsSecretName?: string;
  /** Path prefix routed to the Service. @default '/' */
  readonly path?: string;
  /**
   * Controller annotations, e.g. `nginx.ingress.kubernetes.io/proxy-body-size` where the app accepts uploads
   * larger than ingress-nginx's 1m default.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

const WEB_INGRESS_PROPS: PropsSpec<WebIngressProps> = {
  host: Check.required(Check.string),
  portName: Check.required(Check.string),
  tlsSecretName: Check.string,
  path: Check.string,
  annotations: Check.stringRecord,
};

/** An Ingress routing a host (and path prefix) to a Service port, with TLS where the environment uses it. */
export class WebIngress extends Construct {
  public readonly host: string;
  public readonly tls: boolean;

  public constructor(scope: Construct, id: string, service: WorkloadService, props: WebIngressProps) {
    super(scope, id);
    checkProps<WebIngressProps>(`ingress '${id}'`, props, WEB_INGRESS_PROPS);
    const env = service.workload.env;
    const hostProblem = ingressHostProblem(props.host);
    if (hostProblem) throw new Error(`ingress '${service.name}': host '${props.host}' ${hostProblem}; use a name like api.example.com`);
    this.host = props.host;
    const pathProblem = props.path === undefined ? undefined : ingressPathProblem(props.path);
    if (pathProblem) throw new Error(`ingress '${service.name}': path '${props.path}' ${pathProblem}; use e.g. /api`);
    if (props.tlsSecretName !== undefined) checkDnsSubdomain(`ingress '${service.name}'`, 'tlsSecretName', props.tlsSecretName);
    this.tls = env.config.tls;
    const port = service.ports.find((p) => p.name === props.portName);
    if (!port) throw new Error(`ingress '${service.name}': service has no port '${props.portName}'; known: ${service.ports.map((p) => p.name).join(', ')}`);
    new k8s.KubeIngress(this, 'resource', {
      metadata: {
        name: service.name,
        namespace: service.workload.namespace,
        labels: recommendedLabels(service.workload.identity),
        annotations: props.annotations && Object.keys(props.annotations).length > 0 ? { ...props.annotations } : undefined,
      },
      spec: {
        ingressClassName: env.config.ingressClassName,
        tls: this.tls ? [{ hosts: [this.host], secretName: props.tlsSecretName ?? `${service.name}-tls` }] : undefined,
        rules: [
          {
            host: this.host,
            http: { paths: [{ path: props.path ?? '/', pathType: 'Prefix', backend: { service: { name: service.name, port: { name: port.name } } } }] },
          },
        ],
      },
    });
    if (this.tls) {
      // The controller reads the certificate, which the synth never creates (cert-manager or `kubectl create secret
      // tls` does): listing it with the pods behind the Ingress puts it in the synth's external references.
      const tlsSecret = props.tlsSecretName ?? `${service.name}-tls`;
      service.workload.addConfigSource({ kind: 'Secret', name: tlsSecret, external: true, hashInput: () => `Secret/${tlsSecret}/tls-certificate` });
    }
    const containerPort = service.workload.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === props.portName)!;
    service.workload.allowIngressFrom(NetworkPeers.namespace(env.config.ingressControllerNamespace), [{ port: containerPort.port }]);
  }

  public get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.host}`;
  }
}
