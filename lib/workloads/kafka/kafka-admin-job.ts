/**
 * A Job that administers a Kafka cluster as its admin user (topics, users,
 * ACLs). It runs in the cluster's own app and namespace, where the admin
 * password is, so admin credentials never leave that namespace and the
 * cluster's file holds everything the cluster needs.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { EnvValue } from '../../building-blocks/env-value';
import { ResourcePreset } from '../../building-blocks/resources';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Workload, WorkloadKind } from '../../building-blocks/workload';
import { SecretRef } from '../../building-blocks/secrets';
import { ContainerImage } from '../../building-blocks/image';
import { ADMIN_USER, SCRAM_LOGIN, SCRAM_MECHANISM } from './kafka-scripts';

/** What an admin Job needs of its cluster (KafkaCluster). */
export interface AdministeredCluster {
  /** The cluster's name, which Job names start with. */
  readonly instance: string;
  /** Where the cluster and its admin Secret are. */
  readonly namespace: string;
  /** The Kafka image, whose tools the Job runs. */
  readonly image: ContainerImage;
  /** Every broker's `host:9092`. */
  readonly bootstrapServers: string;
  /** Holds `admin-password`. */
  readonly credentials: SecretRef;
  allowClient(client: Workload): void;
}

/** An admin Job: what it runs and how many brokers it waits for. */
export interface AdminJobProps {
  /** The cluster it administers. */
  readonly cluster: AdministeredCluster;
  /** Error-message owner. */
  readonly owner: string;
  /** The Job's instance label (its name, before the spec hash). */
  readonly instance: string;
  /** Its component label and container name, e.g. `topic` or `user`. */
  readonly component: string;
  /** The commands, run after the admin settings are written and `brokers` brokers answer. */
  readonly script: readonly string[];
  /** Brokers that must be registered before the script runs (e.g. the replication factor of a topic). */
  readonly brokers: number;
  /** More env, e.g. a user's password. @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
}

/** `$KAFKA_BOOTSTRAP_SERVERS` with the admin client settings. */
export const ADMIN_ARGS = '--bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config /tmp/admin.properties';

/**
 * The script's head: strict mode, the admin settings, and a wait until enough brokers are registered and unfenced
 * (`kafka-broker-api-versions.sh` prints one `host:port (id: N rack: R ...)` line per broker of the Metadata
 * response), saying what it waits for and the last error.
 */
export function adminScriptHead(brokers: number): string[] {
  return [
    'set -eu -o pipefail',
    'umask 077',
    `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=${SCRAM_MECHANISM}\\nsasl.jaas.config=${SCRAM_LOGIN} username="${ADMIN_USER}" password="%s";\\n' "$KAFKA_ADMIN_PASSWORD" > /tmp/admin.properties`,
    'while :; do',
    `  if out=$(/opt/kafka/bin/kafka-broker-api-versions.sh ${ADMIN_ARGS} 2>&1); then`,
    `    registered=$(printf '%s\\n' "$out" | grep -c ' (id: ' || true)`,
    `    if [ "$registered" -ge ${brokers} ]; then break; fi`,
    `    echo "waiting: $registered of the ${brokers} broker(s) this needs are registered and unfenced"`,
    '  else',
    '    echo "waiting: the brokers do not answer yet; last error:"; printf \'%s\\n\' "$out" | tail -n 3',
    '  fi',
    '  sleep 5',
    'done',
  ];
}

/** A Job in the cluster's namespace that runs `script` as the admin user, after the wait of adminScriptHead. */
export function adminJob(scope: Construct, id: string, props: AdminJobProps): Workload {
  const cluster = props.cluster;
  if (AppChart.of(scope).namespaceName !== cluster.namespace) {
    throw new Error(`${props.owner}: declare it in the app of kafka '${cluster.instance}' (namespace ${cluster.namespace}), where the admin credentials are; clients connect with connectTo(cluster, { user })`);
  }
  const job = new Workload(scope, id, {
    identity: { name: 'kafka', instance: props.instance, component: props.component },
    kind: WorkloadKind.JOB,
    job: { backoffLimit: 3, activeDeadlineSeconds: 1800 },
    shutdown: ShutdownPolicy.worker({ shutdownSeconds: 5 }),
    containers: [
      {
        name: props.component,
        image: cluster.image,
        command: ['bash', '-c', [...adminScriptHead(props.brokers), ...props.script].join('\n')],
        env: {
          KAFKA_BOOTSTRAP_SERVERS: EnvValue.value(cluster.bootstrapServers),
          KAFKA_ADMIN_PASSWORD: EnvValue.fromSecret(cluster.credentials, 'admin-password'),
          ...props.env,
          KAFKA_HEAP_OPTS: EnvValue.value('-Xms128m -Xmx128m'),
          LOG_DIR: EnvValue.value('/tmp/logs'),
        },
        // Memory request = limit, as for the brokers (see KafkaCluster).
        resources: ResourcePreset.SMALL.with({ memoryRequest: '256Mi' }),
        writablePaths: ['/tmp'],
      },
    ],
  });
  cluster.allowClient(job);
  return job;
}
