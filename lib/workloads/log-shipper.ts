/**
 * A node log shipper: fluent-bit as a DaemonSet that tails every container's
 * log on its node, adds Kubernetes metadata, and sends the records to stdout
 * or a backend. It reads host paths (read-only), so its namespace must be
 * `privileged` with a reason; it runs as root because the kubelet writes the
 * logs root-owned with mode 0640, but with no capabilities, no privilege
 * escalation and a read-only root filesystem.
 */
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { AppChart } from '../building-blocks/app-chart';
import { ConfigFiles } from '../building-blocks/config-files';
import { ContainerImage } from '../building-blocks/image';
import { checkPort } from '../building-blocks/names';
import { NetworkPeer, NetworkPeers } from '../building-blocks/network-policy';
import { Probe } from '../building-blocks/probes';
import { ResourcePreset, Resources } from '../building-blocks/resources';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Volume } from '../building-blocks/volumes';
import { Workload, WorkloadKind } from '../building-blocks/workload';

export const LOG_SHIPPER_HTTP_PORT = 2020;

export interface LogBackendTarget {
  readonly host: string;
  readonly port?: number;
  /** Where the backend's pods or addresses are, for the NetworkPolicy (e.g. `NetworkPeers.namespace('loki')`). */
  readonly peer: NetworkPeer;
}

/** Where records go. */
export class LogBackend {
  /** JSON lines on the shipper's own stdout (the default: visible with `kubectl logs`). */
  public static readonly STDOUT = new LogBackend('stdout', ['    Format json_lines']);

  /** Grafana Loki's push API. */
  public static loki(target: LogBackendTarget): LogBackend {
    const port = checkPort('log backend loki', 'port', target.port ?? 3100);
    return new LogBackend('loki', [`    Host ${checkHost(target.host)}`, `    Port ${port}`, '    Labels job=fluent-bit', '    Auto_Kubernetes_Labels On'], { peer: target.peer, port });
  }

  /** Elasticsearch or OpenSearch, in daily logstash-* indices. */
  public static elasticsearch(target: LogBackendTarget): LogBackend {
    const port = checkPort('log backend elasticsearch', 'port', target.port ?? 9200);
    return new LogBackend('es', [`    Host ${checkHost(target.host)}`, `    Port ${port}`, '    Logstash_Format On', '    Suppress_Type_Name On', '    Replace_Dots On', '    Retry_Limit 10'], { peer: target.peer, port });
  }

  private constructor(public readonly plugin: string, public readonly settings: readonly string[], public readonly egress?: { peer: NetworkPeer; port: number }) {}
}

export interface LogShipperProps {
  /** @default fluent/fluent-bit:4.1.1 */
  readonly image?: ContainerImage;
  /** @default LogBackend.STDOUT */
  readonly backend?: LogBackend;
  /** @default requests 100m cpu / 64Mi, limit 256Mi */
  readonly resources?: ResourcePreset | Resources;
  /** PriorityClass value: above ordinary pods so that nodes under pressure keep shipping logs. @default 1000000 */
  readonly priority?: number;
}

export class LogShipper extends Construct {
  public readonly workload: Workload;

  public constructor(scope: Construct, id: string, props: LogShipperProps = {}) {
    super(scope, id);
    const chart = AppChart.of(this);
    const backend = props.backend ?? LogBackend.STDOUT;
    const labels = chart.labelsFor('log-shipper');
    // Cluster-scoped objects (PriorityClass, ClusterRole, ClusterRoleBinding) carry the app's name to stay unique.
    const clusterName = `${chart.appName}-${id}`;
    new k8s.KubePriorityClass(this, 'priority', {
      metadata: { name: clusterName, labels },
      value: props.priority ?? 1_000_000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'log shipping keeps running on nodes under pressure',
    });
    const config = new ConfigFiles(this, 'config', {
      name: `${id}-config`,
      namespace: chart.namespaceName,
      labels,
      data: { 'fluent-bit.conf': renderConfig(chart.namespaceName, backend) },
    });
    this.workload = new Workload(this, 'workload', {
      identity: { name: 'fluent-bit', instance: id, component: 'log-shipper' },
      kind: WorkloadKind.DAEMON_SET,
      // The Kubernetes filter reads pod and namespace metadata from the API.
      automountServiceAccountToken: true,
      priorityClassName: clusterName,
      tolerations: [{ operator: 'Exists' }],
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 10 }),
      volumes: [
        Volume.fromConfigMap('config', config),
        Volume.hostPath('var-log-containers', '/var/log/containers'),
        Volume.hostPath('var-log-pods', '/var/log/pods'),
      ],
      containers: [
        {
          name: 'fluent-bit',
          image: props.image ?? ContainerImage.of('fluent/fluent-bit:4.1.1', { runsAsRoot: true }),
          command: ['/fluent-bit/bin/fluent-bit', '--config=/fluent-bit/etc/shipshape/fluent-bit.conf'],
          ports: [{ name: 'http', port: LOG_SHIPPER_HTTP_PORT }],
          resources: props.resources ?? ResourcePreset.SMALL.with({ cpuRequest: '100m', memoryRequest: '64Mi' }),
          probes: {
            liveness: Probe.http('/', 'http', { periodSeconds: 20, failureThreshold: 3 }),
            readiness: Probe.http('/api/v1/health', 'http', { periodSeconds: 10 }),
          },
          mounts: [
            { volume: 'config', path: '/fluent-bit/etc/shipshape' },
            { volume: 'var-log-containers', path: '/var/log/containers' },
            { volume: 'var-log-pods', path: '/var/log/pods' },
          ],
          // Tail positions survive container restarts, so logs are not shipped twice.
          writablePaths: ['/var/fluent-bit/state'],
        },
      ],
    });
    new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: { name: clusterName, labels },
      rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: this.workload.serviceAccountName, namespace: chart.namespaceName }],
    });
    this.workload.allowApiServer();
    this.workload.allowIngressFrom(NetworkPeers.namespace(chart.env.config.monitoringNamespace), [{ port: LOG_SHIPPER_HTTP_PORT }]);
    if (backend.egress) this.workload.allowEgressTo(backend.egress.peer, [{ port: backend.egress.port }]);
  }
}

function checkHost(host: string): string {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host)) throw new Error(`log backend: host '${host}' is not a DNS name or address; use e.g. loki.monitoring.svc.cluster.local`);
  return host;
}

function renderConfig(ownNamespace: string, backend: LogBackend): string {
  return [
    '[SERVICE]',
    '    Flush 1',
    '    Log_Level info',
    '    Parsers_File /fluent-bit/etc/parsers.conf',
    '    HTTP_Server On',
    '    HTTP_Listen 0.0.0.0',
    `    HTTP_Port ${LOG_SHIPPER_HTTP_PORT}`,
    '    Health_Check On',
    '',
    '[INPUT]',
    '    Name tail',
    '    Tag kube.*',
    '    Path /var/log/containers/*.log',
    // Its own output on stdout would otherwise be read back in a loop.
    `    Exclude_Path /var/log/containers/*_${ownNamespace}_*.log`,
    '    multiline.parser docker, cri',
    '    DB /var/fluent-bit/state/tail.db',
    '    Mem_Buf_Limit 32MB',
    '    Skip_Long_Lines On',
    '    Refresh_Interval 10',
    '',
    '[FILTER]',
    '    Name kubernetes',
    '    Match kube.*',
    '    Kube_URL https://kubernetes.default.svc:443',
    '    Kube_Tag_Prefix kube.var.log.containers.',
    '    Merge_Log On',
    '    Keep_Log Off',
    '    K8S-Logging.Parser On',
    '    K8S-Logging.Exclude On',
    '',
    '[OUTPUT]',
    `    Name ${backend.plugin}`,
    '    Match kube.*',
    ...backend.settings,
    '',
  ].join('\n');
}
