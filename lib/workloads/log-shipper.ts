/**
 * A node log shipper: fluent-bit as a DaemonSet that tails every container's
 * log on its node, adds Kubernetes metadata, and sends the records to stdout
 * or a backend. It reads the log folders through read-only host paths and
 * keeps its offsets and buffer in a read-write one (so a new pod continues
 * where the old one stopped), so its namespace must be `privileged` with a
 * reason; it runs as root because the kubelet writes the logs root-owned with
 * mode 0640, but with no capabilities, no privilege escalation and a
 * read-only root filesystem. See apps/logging/README.md for the sources.
 */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { AppChart } from '../building-blocks/app-chart';
import { ConfigFiles } from '../building-blocks/config-files';
import { EnvValue } from '../building-blocks/env-value';
import { ContainerImage } from '../building-blocks/image';
import { checkPort } from '../building-blocks/names';
import { NetworkPeer, NetworkPeers } from '../building-blocks/network-policy';
import { Probe } from '../building-blocks/probes';
import { ResourcePreset, Resources } from '../building-blocks/resources';
import { SecretRef, SecretRequest, SecretSource } from '../building-blocks/secrets';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Volume } from '../building-blocks/volumes';
import { Workload, WorkloadKind } from '../building-blocks/workload';
import { Check, checkProps, PropsSpec } from '../building-blocks/check-props';
import { Shapes } from '../building-blocks/prop-shapes';

export const LOG_SHIPPER_HTTP_PORT = 2020;

/** Where the tail offsets and the filesystem buffer live, in the container (a hostPath, so pod replacements keep them). */
const STATE_DIR = '/var/lib/fluent-bit';
const TLS_DIR = '/fluent-bit/tls';

/** Where a backend listens. */
export interface LogBackendTarget {
  /** A DNS name or address, e.g. `loki.monitoring.svc.cluster.local`. */
  readonly host: string;
  /** The backend's port. @default 3100 for Loki, 9200 for Elasticsearch */
  readonly port?: number;
  /** Where the backend's pods or addresses are, for the NetworkPolicy (e.g. `NetworkPeers.namespace('loki')`). */
  readonly peer: NetworkPeer;
}

/** How fluent-bit reaches a backend: plain HTTP, or TLS verified against a CA. */
export class BackendTls {
  /** Plain HTTP: only for a backend without security inside the cluster. */
  public static readonly NONE = new BackendTls(false);
  /** TLS verified against the image's system CA bundle: a publicly signed certificate. */
  public static readonly SYSTEM_CAS = new BackendTls(true);

  /** TLS verified against the CA certificate in an existing Secret, e.g. ECK's `<cluster>-es-http-certs-public`, key `ca.crt`. */
  public static caFromSecret(secretName: string, key = 'ca.crt'): BackendTls {
    return new BackendTls(true, { kind: 'Secret', name: secretName, key });
  }

  /** TLS verified against the CA certificate in an existing ConfigMap (e.g. one filled by trust-manager), key `ca.crt`. */
  public static caFromConfigMap(name: string, key = 'ca.crt'): BackendTls {
    return new BackendTls(true, { kind: 'ConfigMap', name, key });
  }

  private constructor(public readonly enabled: boolean, public readonly ca?: { kind: 'Secret' | 'ConfigMap'; name: string; key: string }) {}
}

/** An Elasticsearch or OpenSearch endpoint, with its TLS and credentials. */
export interface ElasticsearchTarget extends LogBackendTarget {
  /**
   * TLS to the backend. Elasticsearch 8, ECK and the OpenSearch security plugin serve HTTPS with a self-signed CA.
   * @default BackendTls.SYSTEM_CAS
   */
  readonly tls?: BackendTls;
  /**
   * The user and password (keys `username`, `password`), read into the container's env and referred to as
   * `${ES_USER}`/`${ES_PASSWORD}` in the config, so no value is in the ConfigMap.
   * @default - no authentication
   */
  readonly credentials?: SecretSource;
}

/** What a backend adds to the pod: output settings, env, volumes and mounts. */
interface BoundBackend {
  readonly settings: string[];
  readonly env: Record<string, EnvValue>;
  readonly volumes: Volume[];
  readonly mounts: { volume: string; path: string }[];
}

/** Where records go. */
export class LogBackend {
  /** JSON lines on the shipper's own stdout (the default: visible with `kubectl logs`). */
  public static readonly STDOUT = new LogBackend('stdout', () => ({ settings: ['    Format json_lines'], env: {}, volumes: [], mounts: [] }));

  /**
   * Grafana Loki's push API, with a fixed, low-cardinality label set: every pod label as a stream label
   * (`auto_kubernetes_labels`) would open new streams on each rollout and Job run (grafana/helm-charts#446).
   * The pod name stays in the JSON line; a pod without the app label gets no `app` label (loki.c skips an accessor
   * that finds nothing).
   */
  public static loki(target: LogBackendTarget): LogBackend {
    const port = checkPort('log backend loki', 'port', target.port ?? 3100);
    const host = checkHost(target.host);
    const labels = ['job=fluent-bit', "namespace=$kubernetes['namespace_name']", "app=$kubernetes['labels']['app.kubernetes.io/name']", "container=$kubernetes['container_name']"];
    return new LogBackend('loki', () => ({ settings: [`    Host ${host}`, `    Port ${port}`, `    Labels ${labels.join(', ')}`, '    Line_Format json'], env: {}, volumes: [], mounts: [] }), { peer: target.peer, port });
  }

  /** Elasticsearch or OpenSearch, in daily logstash-* indices, over verified TLS by default. */
  public static elasticsearch(target: ElasticsearchTarget): LogBackend {
    const port = checkPort('log backend elasticsearch', 'port', target.port ?? 9200);
    const host = checkHost(target.host);
    const tls = target.tls ?? BackendTls.SYSTEM_CAS;
    return new LogBackend('es', (scope, request) => {
      const bound: BoundBackend = {
        // Trace_Error prints bulk rejections (e.g. mapping conflicts from Merge_Log), which are otherwise silent.
        settings: [`    Host ${host}`, `    Port ${port}`, '    Logstash_Format On', '    Suppress_Type_Name On', '    Replace_Dots On', '    Trace_Error On'],
        env: {},
        volumes: [],
        mounts: [],
      };
      if (tls.enabled) {
        bound.settings.push('    tls On', '    tls.verify On');
        if (tls.ca) {
          const ca = tls.ca;
          const volume = ca.kind === 'Secret'
            ? Volume.fromSecret('backend-ca', new SecretRef(ca.name, 'existing', [{ key: ca.key, description: 'CA certificate of the log backend', generate: 'given' }], ca.name), { items: { [ca.key]: 'ca.crt' } })
            : Volume.fromConfigMap('backend-ca', { kind: 'ConfigMap', name: ca.name, external: true, hashInput: () => `ConfigMap/${ca.name}` }, { items: { [ca.key]: 'ca.crt' } });
          bound.volumes.push(volume);
          bound.mounts.push({ volume: 'backend-ca', path: TLS_DIR });
          bound.settings.push(`    tls.ca_file ${TLS_DIR}/ca.crt`);
        }
      }
      if (target.credentials) {
        const secret = target.credentials.bind(scope, {
          ...request,
          keys: [
            { key: 'username', description: 'Elasticsearch user that may write logstash-* indices', generate: 'given' },
            { key: 'password', description: 'its password', generate: 'given' },
          ],
        });
        // fluent-bit expands ${VAR} in every output value from its environment (flb_env_var_translate).
        bound.settings.push('    HTTP_User ${ES_USER}', '    HTTP_Passwd ${ES_PASSWORD}');
        bound.env.ES_USER = EnvValue.fromSecret(secret, 'username');
        bound.env.ES_PASSWORD = EnvValue.fromSecret(secret, 'password');
      }
      return bound;
    }, { peer: target.peer, port });
  }

  private constructor(
    public readonly plugin: string,
    /** Binds the backend's Secrets in the shipper's scope. */
    public readonly bind: (scope: Construct, request: Omit<SecretRequest, 'keys'>) => BoundBackend,
    public readonly egress?: { peer: NetworkPeer; port: number },
  ) {}
}

/** The shipper's image, backend, resources and priority. */
export interface LogShipperProps {
  /** The fluent-bit image; the config is written for its 4.x keys. @default fluent/fluent-bit:4.1.1 */
  readonly image?: ContainerImage;
  /** Where records go. @default LogBackend.STDOUT */
  readonly backend?: LogBackend;
  /**
   * Memory is requested close to the limit: the kubelet evicts pods that use more than they request before it looks
   * at priority, so a low request would make the shipper an early victim of node pressure.
   * @default requests 100m cpu / 192Mi, limit 256Mi
   */
  readonly resources?: ResourcePreset | Resources;
  /**
   * PriorityClass value: above ordinary pods so that nodes under pressure keep shipping logs. The value is immutable,
   * so it is part of the class's name: a new value is a new class, and the old one is pruned.
   * @default 1000000
   */
  readonly priority?: number;
}

const LOG_SHIPPER_PROPS: PropsSpec<LogShipperProps> = {
  image: Shapes.image,
  backend: Check.instance(LogBackend, 'LogBackend.STDOUT, LogBackend.loki({...}) or LogBackend.elasticsearch({...})'),
  resources: Shapes.resources,
  priority: Check.integer(-2147483648, 1000000000),
};

/** fluent-bit on every Linux node, shipping every container's log with Kubernetes metadata. */
export class LogShipper extends Construct {
  public readonly workload: Workload;

  public constructor(scope: Construct, id: string, props: LogShipperProps = {}) {
    super(scope, id);
    checkProps<LogShipperProps>(`log shipper '${id}'`, props, LOG_SHIPPER_PROPS);
    const chart = AppChart.of(this);
    const backend = props.backend ?? LogBackend.STDOUT;
    const labels = chart.labelsFor('log-shipper');
    // Cluster-scoped objects (PriorityClass, ClusterRole, ClusterRoleBinding) carry the app's name to stay unique.
    const clusterName = `${chart.appName}-${id}`;
    const priority = props.priority ?? 1_000_000;
    // value and preemptionPolicy of a PriorityClass are immutable (scheduling validation): name the class by them.
    const priorityName = `${clusterName}-${createHash('sha256').update(`${priority}/PreemptLowerPriority`).digest('hex').slice(0, 8)}`;
    new k8s.KubePriorityClass(this, 'priority', {
      metadata: { name: priorityName, labels },
      value: priority,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'log shipping keeps running on nodes under pressure',
    });
    const bound = backend.bind(this, { owner: `log shipper '${id}'`, defaultName: `${id}-${backend.plugin}`, namespace: chart.namespaceName, env: chart.env, labels });
    const config = new ConfigFiles(this, 'config', {
      name: `${id}-config`,
      namespace: chart.namespaceName,
      labels,
      data: { 'fluent-bit.conf': renderConfig(chart.namespaceName, backend.plugin, bound.settings) },
    });
    this.workload = new Workload(this, 'workload', {
      identity: { name: 'fluent-bit', instance: id, component: 'log-shipper' },
      kind: WorkloadKind.DAEMON_SET,
      // The Kubernetes filter reads pod and namespace metadata from the API.
      automountServiceAccountToken: true,
      priorityClassName: priorityName,
      // Every taint is tolerated so that every node ships, but the image is Linux-only: Windows nodes are excluded
      // by label, since their os=windows:NoSchedule taint no longer keeps the pods away.
      tolerations: [{ operator: 'Exists' }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 10 }),
      volumes: [
        Volume.fromConfigMap('config', config),
        Volume.hostPath('var-log-containers', '/var/log/containers'),
        Volume.hostPath('var-log-pods', '/var/log/pods'),
        // Tail offsets and the filesystem buffer survive pod replacement (rollouts, evictions, drains).
        Volume.hostPath('state', `/var/lib/fluent-bit/${clusterName}`, 'DirectoryOrCreate'),
        ...bound.volumes,
      ],
      containers: [
        {
          name: 'fluent-bit',
          image: props.image ?? ContainerImage.of('fluent/fluent-bit:4.1.1', { runsAsRoot: true }),
          command: ['/fluent-bit/bin/fluent-bit', '--config=/fluent-bit/etc/shipshape/fluent-bit.conf'],
          env: Object.keys(bound.env).length > 0 ? bound.env : undefined,
          ports: [{ name: 'http', port: LOG_SHIPPER_HTTP_PORT }],
          resources: props.resources ?? ResourcePreset.SMALL.with({ cpuRequest: '100m', memoryRequest: '192Mi' }),
          probes: {
            liveness: Probe.http('/', 'http', { periodSeconds: 20, failureThreshold: 3 }),
            readiness: Probe.http('/api/v1/health', 'http', { periodSeconds: 10 }),
          },
          mounts: [
            { volume: 'config', path: '/fluent-bit/etc/shipshape' },
            { volume: 'var-log-containers', path: '/var/log/containers' },
            { volume: 'var-log-pods', path: '/var/log/pods' },
            { volume: 'state', path: STATE_DIR, readOnly: false },
            ...bound.mounts,
          ],
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

/**
 * The classic config. Keys checked against the config maps of fluent-bit 4.1.1, the image (plugins/in_tail/tail.c,
 * plugins/out_loki/loki.c, plugins/out_es/es.c, src/flb_output.c, include/fluent-bit/flb_config.h).
 */
export function renderConfig(ownNamespace: string, plugin: string, settings: readonly string[]): string {
  return [
    '[SERVICE]',
    '    Flush 1',
    '    Log_Level info',
    '    Parsers_File /fluent-bit/etc/parsers.conf',
    '    HTTP_Server On',
    '    HTTP_Listen 0.0.0.0',
    `    HTTP_Port ${LOG_SHIPPER_HTTP_PORT}`,
    '    Health_Check On',
    // Chunks wait on the node's disk while a backend is down or restarting; about 2 MB per chunk in memory.
    `    storage.path ${STATE_DIR}/storage/`,
    '    storage.sync normal',
    '    storage.max_chunks_up 32',
    '    storage.backlog.mem_limit 5M',
    '',
    '[INPUT]',
    '    Name tail',
    '    Tag kube.*',
    '    Path /var/log/containers/*.log',
    // Its own output on stdout would otherwise be read back in a loop.
    `    Exclude_Path /var/log/containers/*_${ownNamespace}_*.log`,
    // CRI runtimes only (containerd, CRI-O): they write /var/log/pods themselves. With cri-dockerd those files are
    // symlinks into /var/lib/docker/containers, which is deliberately not mounted.
    '    multiline.parser cri',
    // Offsets on the node: a new pod continues where the old one stopped. Not DB.locking (exclusive): while a
    // selector change is made by orphaning (npm run plan's recipe), old and new pods share the file for a while.
    `    DB ${STATE_DIR}/tail.db`,
    // Only for files without a saved offset (tail.c: "For new discovered files on start (without a database
    // offset/position)"): those created while no shipper ran, and every file on first install.
    '    Read_from_Head On',
    // Mem_Buf_Limit does not apply with filesystem buffering; storage.max_chunks_up bounds memory instead.
    '    storage.type filesystem',
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
    `    Name ${plugin}`,
    '    Match kube.*',
    ...settings,
    // A restarting or throttling (429) backend is retried until it answers; the buffer on disk is bounded.
    ...(plugin === 'stdout' ? [] : ['    Retry_Limit no_limits', '    storage.total_limit_size 1G']),
    '',
  ].join('\n');
}
