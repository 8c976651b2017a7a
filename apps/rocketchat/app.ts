/**
 * Rocket.Chat on a MongoDB replica set: a team chat that `kubectl apply -f dist`
 * brings up and that you can log in to and write in. See README.md beside this
 * file for every decision and the Rocket.Chat source it rests on.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { Environment, PerEnvironment } from '../../lib/building-blocks/environment';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { WebIngress } from '../../lib/building-blocks/ingress';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { ExternalMongoDatabase, ExternalMongoDatabaseProps } from '../../lib/workloads/mongodb/external-mongo-database';
import { MongoBackup, MongoBackupOptions } from '../../lib/workloads/mongodb/mongo-backup';
import { MongoReplicaSet } from '../../lib/workloads/mongodb/mongo-replica-set';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { SecretRef, SecretSource } from '../../lib/building-blocks/secrets';
import { WorkloadService } from '../../lib/building-blocks/service';
import { ShutdownPolicy } from '../../lib/building-blocks/shutdown';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { Workload } from '../../lib/building-blocks/workload';

export const ROCKETCHAT_PORT = 3000;
/** The Moleculer TCP transporter between licensed instances; Rocket.Chat picks a random port unless TCP_PORT is set. */
export const ROCKETCHAT_CLUSTER_PORT = 3001;
/** Rocket.Chat's `Prometheus_Port` setting default. */
export const ROCKETCHAT_METRICS_PORT = 9458;
/** Rocket.Chat's default `FileUpload_MaxFileSize` (104857600 bytes); the Ingress must let such a body through. */
export const UPLOAD_LIMIT = '100m';
export const LICENSE_KEY = 'rocketchat-license';
export const ADMIN_PASSWORD_KEY = 'admin-password';
/** rocketchat/rocket.chat is published for amd64 only (RocketChat/Rocket.Chat#27305; CI builds one platform). */
const IMAGE = ContainerImage.of('rocketchat/rocket.chat:8.6.0', { uid: 65533, architectures: ['amd64'] });

/** Who may create an account: Rocket.Chat's `Accounts_RegistrationForm` setting. */
export class RegistrationForm {
  /** Accounts are created by an admin (or SSO); nobody can sign up. */
  public static readonly DISABLED = new RegistrationForm('Disabled');
  /** Anyone who reaches the workspace may sign up (Rocket.Chat's own default). */
  public static readonly PUBLIC = new RegistrationForm('Public');
  /** Sign-up only through a secret URL an admin hands out. */
  public static readonly SECRET_URL = new RegistrationForm('Secret URL');
  private constructor(public readonly setting: string) {}
}

export interface RocketChatAppProps {
  /**
   * Use a MongoDB that runs elsewhere instead of the bundled replica set.
   * @default - a MongoReplicaSet in the app's namespace
   */
  readonly externalDatabase?: ExternalMongoDatabaseProps;
  /**
   * Rocket.Chat instances. More than one needs `license`: unlicensed instances do not pass events to each other.
   * @default 1
   */
  readonly replicas?: number | PerEnvironment<number>;
  /**
   * An Enterprise or offline licence, key `rocketchat-license` (given to Rocket.Chat as ROCKETCHAT_LICENSE). It must be
   * issued for the workspace URL. Needed for more than one replica and for `airGapped`.
   * @default - none: the workspace registers with Rocket.Chat Cloud (free Starter plan)
   */
  readonly license?: SecretSource;
  /**
   * Cut the workspace off from Rocket.Chat Cloud: no egress beyond the cluster. Needs `license`, because an unlicensed
   * workspace that cannot report to the cloud is restricted to read-only.
   * @default false: egress on 443 to the internet (0.0.0.0/0 except the environment's clusterCidrs)
   */
  readonly airGapped?: boolean;
  /**
   * Where the first admin's password comes from (key `admin-password`); the admin is `admin`.
   * @default SecretSource.fromEnvironment('ROCKETCHAT_ADMIN_SECRET')
   */
  readonly admin?: SecretSource;
  /** @default RegistrationForm.DISABLED */
  readonly registration?: RegistrationForm;
  /**
   * Rocket.Chat's Prometheus endpoint on port 9458, reachable from the environment's monitoringNamespace only.
   * @default false
   */
  readonly metrics?: boolean;
  /** The nightly backup of the bundled replica set. @default - MongoBackup defaults, 2 days locally, 14 in production */
  readonly backup?: MongoBackupOptions;
}

const DESCRIPTION = 'Rocket.Chat team chat on a MongoDB replica set';

/**
 * The Rocket.Chat chart, with a typed handle to its database: an app that declares `uses: [rocketchat]` reaches it as
 * `context.use(rocketchat).database`, never by `node.findChild(...)`.
 */
export class RocketChatAppChart extends AppChart {
  /** The bundled replica set, or the external database given in the props; set while the chart is built. */
  public database!: MongoReplicaSet | ExternalMongoDatabase;
}

export function rocketChatApp(props: RocketChatAppProps = {}): AppDefinition<RocketChatAppChart> {
  return { name: 'rocketchat', description: DESCRIPTION, build: (scope, env) => buildRocketChat(scope, env, props) };
}

/** The catalogue's Rocket.Chat, with its own replica set. */
export const rocketchat = rocketChatApp();

function buildRocketChat(scope: Construct, env: Environment, props: RocketChatAppProps): RocketChatAppChart {
  const chart = new RocketChatAppChart(scope, 'rocketchat', { env, description: DESCRIPTION, version: '8.6.0' });
  const owner = "rocketchat 'rocketchat'";
  const replicas = props.replicas === undefined ? 1 : typeof props.replicas === 'number' ? props.replicas : env.pick(props.replicas);
  const license = props.license?.bind(chart, {
    owner,
    defaultName: 'rocketchat-license',
    namespace: chart.namespaceName,
    env,
    labels: chart.labelsFor('server'),
    keys: [{ key: LICENSE_KEY, description: 'Rocket.Chat licence text', generate: 'given' }],
  });
  // instance/service.ts starts broadcasting between instances only with the licence module 'scalability',
  // and DB watchers are off by default since 7.7: unlicensed extra replicas would each see only their own clients' events.
  if (replicas > 1 && !license) {
    throw new Error(
      `${owner}: replicas ${replicas} needs a licence; Rocket.Chat instances pass events to each other only with the Enterprise 'scalability' module. ` +
        'Pass license: SecretSource.existing(name) (key rocketchat-license), or use replicas 1',
    );
  }
  if (props.airGapped && !license) {
    throw new Error(
      `${owner}: airGapped needs a licence; an unlicensed workspace that cannot report to Rocket.Chat Cloud turns read-only (restricted-workspace). ` +
        'Pass license: SecretSource.existing(name) (key rocketchat-license), or leave airGapped off',
    );
  }
  const mongo = props.externalDatabase
    ? new ExternalMongoDatabase(chart, 'rocketchat-mongodb', props.externalDatabase)
    : new MongoReplicaSet(chart, 'rocketchat-mongodb', { users: [{ username: 'rocketchat', database: 'rocketchat' }] });
  chart.database = mongo;
  // An external database is backed up by whoever runs it.
  const backup = mongo instanceof MongoReplicaSet ? new MongoBackup(chart, 'backup', { keepDays: env.pick({ local: 2, production: 14 }), ...props.backup, replicaSet: mongo }) : undefined;
  // While a restore replays a dump (mongorestore --drop), nothing may write: Rocket.Chat runs no pods until `restore` is removed.
  const restoring = backup?.restoreJob !== undefined;
  const admin = (props.admin ?? SecretSource.fromEnvironment('ROCKETCHAT_ADMIN_SECRET')).bind(chart, {
    owner,
    defaultName: 'rocketchat-admin',
    namespace: chart.namespaceName,
    env,
    labels: chart.labelsFor('server'),
    keys: [{ key: ADMIN_PASSWORD_KEY, description: 'password of the first admin, user admin', generate: 'password' }],
  });

  const host = `chat.${env.config.baseDomain}`;
  // Locally the UI is reached through `kubectl port-forward`, so that is the URL it must know.
  const rootUrl = env.config.tls ? `https://${host}` : `http://localhost:${ROCKETCHAT_PORT}`;
  const ports = [
    { name: 'http', port: ROCKETCHAT_PORT },
    ...(license ? [{ name: 'cluster', port: ROCKETCHAT_CLUSTER_PORT }] : []),
    ...(props.metrics ? [{ name: 'metrics', port: ROCKETCHAT_METRICS_PORT }] : []),
  ];
  const web = new Workload(chart, 'rocketchat', {
    identity: { name: 'rocketchat', instance: 'rocketchat', component: 'server' },
    replicas: restoring ? 0 : replicas,
    shutdown: ShutdownPolicy.server({ drainSeconds: 10, shutdownSeconds: 30 }),
    containers: [
      {
        name: 'rocketchat',
        image: IMAGE,
        env: {
          ROOT_URL: EnvValue.value(rootUrl),
          PORT: EnvValue.value(ROCKETCHAT_PORT),
          DEPLOY_METHOD: EnvValue.value('shipshape'),
          INSTANCE_IP: EnvValue.fromField('status.podIP'),
          HOME: EnvValue.value('/tmp'),
          ...adminEnv(admin, host, props.registration ?? RegistrationForm.DISABLED),
          ...licenseEnv(license),
          ...(props.metrics ? { OVERWRITE_SETTING_Prometheus_Enabled: EnvValue.value(true), OVERWRITE_SETTING_Prometheus_Port: EnvValue.value(ROCKETCHAT_METRICS_PORT) } : {}),
        },
        ports,
        resources: env.pick({ local: ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }), production: ResourcePreset.LARGE.with({ memoryLimit: '2Gi' }) }),
        probes: {
          // /livez and /readyz exist since 7.11 (server/routes/health.ts); /health is deprecated and always 200.
          // /readyz fails on heap pressure and event-loop lag. The first boot migrates the database: up to 10 minutes.
          startup: Probe.http('/livez', 'http', { periodSeconds: 10, failureThreshold: 60 }),
          liveness: Probe.http('/livez', 'http', { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 }),
          readiness: Probe.http('/readyz', 'http', { periodSeconds: 10, timeoutSeconds: 5 }),
        },
        writablePaths: ['/tmp', '/app/uploads'],
      },
    ],
  });
  web.connectTo(mongo);
  // Licensed instances find each other through the instance records in MongoDB (INSTANCE_IP + TCP_PORT)
  // and talk over the Moleculer TCP transporter; nothing else flows between them.
  if (license) web.allowFrom(web, [{ port: ROCKETCHAT_CLUSTER_PORT }]);
  if (!props.airGapped) {
    // The usage report (statistics/server/functions/sendUsageReport.ts, POST https://collector.rocket.chat/) returns the
    // stats token that keeps an unlicensed workspace writable (license AirGappedRestriction.ts); registration, sync,
    // supported versions and push go to *.rocket.chat on 443 too. NetworkPolicy has no host names: 443 to the internet.
    web.allowEgressTo(NetworkPeers.cidr('0.0.0.0/0', env.config.clusterCidrs), [{ port: 443 }]);
  }
  if (props.metrics) web.allowIngressFrom(NetworkPeers.namespace(env.config.monitoringNamespace), [{ port: ROCKETCHAT_METRICS_PORT }]);
  const service = new WorkloadService(chart, 'service', web, { name: 'rocketchat', ports: [{ name: 'http', port: ROCKETCHAT_PORT }] });
  if (env.config.tls) {
    new WebIngress(chart, 'ingress', service, { host, portName: 'http', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': UPLOAD_LIMIT } });
  }
  return chart;
}

/**
 * server/startup/initialData.ts creates the admin from ADMIN_PASS only while no user has the admin role; the wizard
 * would otherwise let the first visitor become admin, so it is marked completed (OVERWRITE_SETTING_* is forced on every start).
 */
function adminEnv(admin: SecretRef, host: string, registration: RegistrationForm): Record<string, EnvValue> {
  return {
    ADMIN_USERNAME: EnvValue.value('admin'),
    ADMIN_NAME: EnvValue.value('Administrator'),
    ADMIN_EMAIL: EnvValue.value(`admin@${host}`),
    ADMIN_EMAIL_VERIFIED: EnvValue.value(true),
    ADMIN_PASS: EnvValue.fromSecret(admin, ADMIN_PASSWORD_KEY),
    OVERWRITE_SETTING_Show_Setup_Wizard: EnvValue.value('completed'),
    OVERWRITE_SETTING_Accounts_RegistrationForm: EnvValue.value(registration.setting),
  };
}

/** ee/app/license/server/startup.ts applies ROCKETCHAT_LICENSE when no valid licence is stored; TCP_PORT fixes the transporter's port. */
function licenseEnv(license: SecretRef | undefined): Record<string, EnvValue> {
  if (!license) return {};
  return { ROCKETCHAT_LICENSE: EnvValue.fromSecret(license, LICENSE_KEY), TCP_PORT: EnvValue.value(ROCKETCHAT_CLUSTER_PORT) };
}
