/**
 * A MongoDB replica set on the official `mongo` image, with auth, a member
 * keyfile, persistence and an idempotent initialisation Job.
 *
 * How it forms and survives: members start together (Parallel) behind a
 * headless Service that publishes not-ready addresses, so each resolves the
 * others by stable DNS name before any is ready. Only member 0 creates the
 * root user on an empty volume; the others start empty so that they can join
 * by initial sync. `init-replica-set.js` reconciles the set: an init Job runs
 * it on every change and a CronJob every few minutes, so late members and
 * rotations converge without anyone; it initiates only a set no member knows,
 * removes members that left (through the primary, never forced), adds the
 * ones that answer and keeps root's and the users' passwords equal to the
 * Secret. A restarted member keeps the configuration on its volume and rejoins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { ConfigFiles } from '../../building-blocks/config-files';
import { ConnectOptions, prefixed } from '../../building-blocks/connection';
import { EnvValue } from '../../building-blocks/env-value';
import { ContainerImage } from '../../building-blocks/image';
import { recommendedLabels } from '../../building-blocks/labels';
import { checkCount, checkDnsLabel } from '../../building-blocks/names';
import { Probe } from '../../building-blocks/probes';
import { NetworkPeers } from '../../building-blocks/network-policy';
import { toMebibytes } from '../../vocabulary/quantity';
import { resolveResources, ResourcePreset, Resources } from '../../building-blocks/resources';
import { SecretRef, SecretSource } from '../../building-blocks/secrets';
import { WorkloadService } from '../../building-blocks/service';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Volume } from '../../building-blocks/volumes';
import { Connectable, Workload, WorkloadKind } from '../../building-blocks/workload';
import { Check, checkProps, PropsSpec } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';
import { ContainerProps } from '../../building-blocks/container';
import { ScheduledJob } from '../scheduled-job';

export const MONGODB_PORT = 27017;
const EXPORTER_PORT = 9216;
const INIT_SCRIPT = fs.readFileSync(path.join(__dirname, 'init-replica-set.js'), 'utf8');
const KEYFILE_KEY = 'mongodb-replica-set-key';
const PREVIOUS_KEYFILE_KEY = 'mongodb-replica-set-key-previous';
export const ROOT_PASSWORD_KEY = 'mongodb-root-password';
const PREVIOUS_ROOT_PASSWORD_KEY = 'mongodb-root-password-previous';
/** The user the backup authenticates as: MongoDB's built-in `backup` role, not root. */
export const BACKUP_USER: DatabaseUser = { username: 'backup', database: 'admin' };
const BACKUP_ROLES = [{ role: 'backup', db: 'admin' }];

/** An application user with readWrite on its database. */
export interface DatabaseUser {
  /** User name; it is created in, and authenticates against, its database. */
  readonly username: string;
  /** The database the user reads and writes, and authenticates against. */
  readonly database: string;
}

/** The settings of a MongoReplicaSet. */
export interface MongoReplicaSetProps {
  /** The MongoDB image. @default mongo:8.0.26 (runs as user mongodb, uid 999) */
  readonly image?: ContainerImage;
  /** The replica set's name. @default 'rs0' */
  readonly replicaSetName?: string;
  /** Data-bearing members (pods). Those not retiring must be an odd number. @default 1 in local, 3 in production */
  readonly members?: number;
  /**
   * How many of the highest-numbered members leave the replica set's configuration while their pods keep running:
   * the first of the two steps of a scale-down (then lower `members` and drop this). Lowering `members` directly can
   * leave the configuration without a majority; the reconcile Job then refuses to force it and prints the recovery.
   * @default 0
   */
  readonly retiringMembers?: number;
  /**
   * tcmalloc's per-CPU caches (the image's `GLIBC_TUNABLES=glibc.pthread.rseq=0`). They are faster, but mongod 8.0
   * crashes with them on Linux 6.19 to 7.0.13 (SERVER-121912) and 8.0.28+ refuses to start there; off sets
   * `glibc.pthread.rseq=1`, which turns them off and runs on any kernel.
   * @default false
   */
  readonly perCpuAllocatorCaches?: boolean;
  /** Application users, each with readWrite on its database. @default - none */
  readonly users?: readonly DatabaseUser[];
  /**
   * Where the root password, the keyfile and the users' passwords come from.
   * @default SecretSource.fromEnvironment('<INSTANCE>_SECRET'), e.g. ROCKETCHAT_MONGODB_SECRET
   */
  readonly credentials?: SecretSource;
  /** Resources per member. @default ResourcePreset.MEDIUM with a 1Gi limit in local (cache 0.25 GB, room for mongosh probes), ResourcePreset.XLARGE in production */
  readonly resources?: ResourcePreset | Resources;
  /** Volume size per member. @default 2Gi in local, 50Gi in production */
  readonly storageSize?: string;
  /** StorageClass for the members' volumes. @default the environment's StorageClass */
  readonly storageClassName?: string;
  /**
   * A MongoDB exporter (percona/mongodb_exporter) beside each member, on port 9216, reachable from the environment's
   * monitoringNamespace only; it authenticates as user `exporter` (clusterMonitor, read on local).
   * @default false
   */
  readonly metrics?: boolean;
}

const MONGO_REPLICA_SET_PROPS: PropsSpec<MongoReplicaSetProps> = {
  image: Shapes.image,
  replicaSetName: Check.nonEmptyString,
  members: Check.integer(1, 50),
  retiringMembers: Check.integer(0, 49),
  perCpuAllocatorCaches: Check.boolean,
  metrics: Check.boolean,
  users: Check.array(Check.object<DatabaseUser>({ username: Check.required(Check.nonEmptyString), database: Check.required(Check.nonEmptyString) })),
  credentials: Shapes.secretSource,
  resources: Shapes.resources,
  storageSize: Check.quantity,
  storageClassName: Check.nonEmptyString,
};

/** A MongoDB replica set run as a StatefulSet, with its credentials, users and network policies. */
export class MongoReplicaSet extends Construct implements Connectable {
  public readonly workload: Workload;
  public readonly headlessService: WorkloadService;
  public readonly credentials: SecretRef;
  public readonly replicaSetName: string;
  public readonly members: number;
  public readonly initJob: Workload;
  public readonly reconcile: ScheduledJob;
  public readonly image: ContainerImage;
  private readonly users: readonly DatabaseUser[];
  private readonly retiringHosts: readonly string[];

  public constructor(scope: Construct, id: string, props: MongoReplicaSetProps = {}) {
    super(scope, id);
    checkProps<MongoReplicaSetProps>(`mongodb '${id}'`, props, MONGO_REPLICA_SET_PROPS);
    const chart = AppChart.of(this);
    const env = chart.env;
    const instance = checkDnsLabel('mongodb', 'name', id);
    const owner = `mongodb '${instance}'`;
    const image = props.image ?? ContainerImage.of('mongo:8.0.26', { uid: 999 });
    this.image = image;
    this.replicaSetName = props.replicaSetName ?? 'rs0';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.replicaSetName)) {
      throw new Error(`${owner}: replicaSetName '${this.replicaSetName}' must be 1-64 letters, digits, '-' or '_'`);
    }
    this.members = checkCount(owner, 'members', props.members ?? env.pick({ local: 1, production: 3 }), 1, 49);
    const retiring = checkCount(owner, 'retiringMembers', props.retiringMembers ?? 0, 0, this.members - 1);
    const voting = this.members - retiring;
    if (voting % 2 === 0) {
      throw new Error(
        `${owner}: ${retiring > 0 ? `members ${this.members} minus retiringMembers ${retiring} leaves ${voting}` : `members ${this.members}`}, an even number; ` +
          'use an odd number: an even set survives no more failures than the odd one below it and can split its vote',
      );
    }
    this.users = props.users ?? [];
    for (const u of this.users) {
      checkDnsLabel(owner, 'users.username', u.username);
      if (!/^[A-Za-z0-9_-]{1,63}$/.test(u.database) || u.database === 'admin' || u.database === 'local') {
        throw new Error(`${owner}: database '${u.database}' for user '${u.username}' is not allowed; use letters, digits, '-' or '_' and not admin or local`);
      }
    }
    const resources = resolveResources(owner, props.resources ?? env.pick({ local: ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }), production: ResourcePreset.XLARGE }));
    const headlessName = `${instance}-headless`;
    const secretVariable = `${instance.toUpperCase().replace(/-/g, '_')}_SECRET`;
    this.credentials = (props.credentials ?? SecretSource.fromEnvironment(secretVariable)).bind(this, {
      owner,
      defaultName: `${instance}-credentials`,
      namespace: chart.namespaceName,
      env,
      labels: chart.labelsFor('database'),
      keys: [
        { key: ROOT_PASSWORD_KEY, description: 'password of the root user', generate: 'password' },
        { key: PREVIOUS_ROOT_PASSWORD_KEY, description: 'the root password being replaced, during a rotation', generate: 'password', optional: true },
        { key: KEYFILE_KEY, description: 'shared key members authenticate each other with', generate: 'keyfile' },
        { key: PREVIOUS_KEYFILE_KEY, description: 'the key being replaced, during a keyfile rotation', generate: 'keyfile', optional: true },
        ...this.internalUsers(props.metrics).map((u) => ({ key: passwordKey(u), description: `password of user ${u.username}`, generate: 'password' as const })),
      ],
    });

    // mongod refuses a keyfile readable by others; an init container writes it
    // to an emptyDir owned by the mongodb user with mode 0400. During a rotation
    // the file holds both keys as a YAML list (accepted since 4.2): members
    // authenticate while some have the new key and some the old.
    const memberScript = [
      'set -eu',
      '# Only member 0 creates the root user on an empty volume; the others start empty and join by initial sync.',
      'if [ "${HOSTNAME##*-}" != "0" ]; then unset MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; fi',
      'exec docker-entrypoint.sh "$@"',
    ].join('\n');
    const mongosh = (js: string) => ['mongosh', '--quiet', '--norc', '--eval', js];

    this.workload = new Workload(this, 'workload', {
      identity: { name: 'mongodb', instance, component: 'database' },
      kind: WorkloadKind.STATEFUL_SET,
      replicas: this.members,
      // Members must find each other before any is ready; OrderedReady would wait
      // for member 0 to be ready, which it cannot be before the set exists.
      stateful: {
        serviceName: headlessName,
        podManagementPolicy: 'Parallel',
        volumeClaims: [{ name: 'data', size: props.storageSize ?? env.pick({ local: '2Gi', production: '50Gi' }), storageClassName: props.storageClassName }],
      },
      // A primary steps down and hands over before it exits.
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 30 }),
      volumes: [Volume.emptyDir('keyfile')],
      initContainers: [
        {
          name: 'keyfile',
          image,
          command: ['bash', '-c', KEYFILE_SCRIPT],
          env: {
            MONGODB_KEYFILE: EnvValue.fromSecret(this.credentials, KEYFILE_KEY),
            MONGODB_KEYFILE_PREVIOUS: EnvValue.fromSecret(this.credentials, PREVIOUS_KEYFILE_KEY),
          },
          resources: ResourcePreset.NANO,
          mounts: [{ volume: 'keyfile', path: '/etc/mongodb/keyfile', readOnly: false }],
        },
      ],
      containers: [
        {
          name: 'mongod',
          image,
          command: ['bash', '-c', memberScript, '--'],
          args: [
            'mongod', '--replSet', this.replicaSetName, '--bind_ip_all', '--port', String(MONGODB_PORT),
            '--keyFile', '/etc/mongodb/keyfile/keyfile', '--dbpath', '/data/db',
            '--wiredTigerCacheSizeGB', wiredTigerCacheGb(owner, resources),
            // No zlib: CVE-2025-14847 (MongoBleed) was in its decompression; snappy and zstd are what drivers offer first.
            '--networkMessageCompressors=snappy,zstd',
          ],
          env: {
            HOME: EnvValue.value('/tmp'),
            GLIBC_TUNABLES: EnvValue.value(props.perCpuAllocatorCaches ? 'glibc.pthread.rseq=0' : 'glibc.pthread.rseq=1'),
            MONGO_INITDB_ROOT_USERNAME: EnvValue.value('root'),
            MONGO_INITDB_ROOT_PASSWORD: EnvValue.fromSecret(this.credentials, ROOT_PASSWORD_KEY),
          },
          ports: [{ name: 'mongodb', port: MONGODB_PORT }],
          resources,
          probes: {
            // Liveness and startup only need mongod to accept connections: a TCP connect costs nothing, where each
            // mongosh is a Node.js process in mongod's memory limit. Startup allows 30 minutes for a long recovery.
            startup: Probe.tcp('mongodb', { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 }),
            liveness: Probe.tcp('mongodb', { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }),
            readiness: Probe.exec(mongosh('const h = db.hello(); if (!(h.isWritablePrimary || h.secondary)) quit(1)'), { periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 }),
          },
          mounts: [
            { volume: 'data', path: '/data/db', readOnly: false },
            { volume: 'keyfile', path: '/etc/mongodb/keyfile' },
          ],
          writablePaths: ['/data/configdb', '/tmp'],
        },
        ...(props.metrics ? [this.exporterContainer()] : []),
      ],
    });
    this.workload.allowFrom(this.workload, [{ port: MONGODB_PORT }]);
    this.headlessService = new WorkloadService(this, 'headless', this.workload, {
      name: headlessName,
      ports: [{ name: 'mongodb', port: MONGODB_PORT }],
      headless: true,
      publishNotReadyAddresses: true,
    });
    this.retiringHosts = this.memberHosts.slice(voting);
    if (props.metrics) this.workload.allowIngressFrom(NetworkPeers.namespace(env.config.monitoringNamespace), [{ port: EXPORTER_PORT }]);
    const reconcile = this.reconcileContainer(image, props.metrics);
    this.initJob = this.createInitJob(chart, reconcile);
    this.reconcile = new ScheduledJob(this, 'reconcile', {
      identity: { name: 'mongodb', instance: `${instance}-reconcile`, component: 'database-init' },
      schedule: '*/5 * * * *',
      timeZone: 'Etc/UTC',
      job: { backoffLimit: 0, activeDeadlineSeconds: 280 },
      volumes: [Volume.fromConfigMap('scripts', this.scripts)],
      containers: [reconcile],
    });
    this.workload.allowFrom(this.reconcile.workload, [{ port: MONGODB_PORT }]);
  }

  /** Stable member addresses, `<pod>.<headless>.<ns>.svc.<domain>:27017`, in ordinal order. */
  public get memberHosts(): string[] {
    return this.headlessService.podHosts().map((host) => `${host}:${MONGODB_PORT}`);
  }

  /**
   * Environment for a client: the user's password from the Secret, then a
   * `MONGO_URL` listing every member with the replica set and authSource.
   * The password is expanded by the kubelet from `passwordVariable`, so no
   * secret value is ever in the manifest. Generated passwords are hex, so URL-safe.
   */
  public clientEnv(username: string, names: { url?: string; passwordVariable?: string } = {}): Record<string, EnvValue> {
    const user = this.users.find((u) => u.username === username);
    if (!user) throw new Error(`mongodb '${this.workload.name}': no user '${username}'; declare it in users (known: ${this.users.map((u) => u.username).join(', ') || 'none'})`);
    const passwordVariable = names.passwordVariable ?? 'MONGODB_PASSWORD';
    return {
      [passwordVariable]: EnvValue.fromSecret(this.credentials, passwordKey(user)),
      [names.url ?? 'MONGO_URL']: EnvValue.value(this.connectionString(user, `$(${passwordVariable})`)),
    };
  }

  /** The connection string for a user, with `password` inserted as given. */
  public connectionString(user: DatabaseUser, password: string): string {
    return `mongodb://${user.username}:${password}@${this.memberHosts.join(',')}/${user.database}?replicaSet=${this.replicaSetName}&authSource=${user.database}`;
  }

  /** `MONGODB_PASSWORD` and `MONGO_URL` for `options.user` (default: the only user), and the network rules. */
  public connectionEnv(options?: ConnectOptions): Record<string, EnvValue> {
    const username = options?.user ?? onlyUser(`mongodb '${this.workload.name}'`, this.users);
    return this.clientEnv(username, { url: prefixed(options, 'MONGO_URL'), passwordVariable: prefixed(options, 'MONGODB_PASSWORD') });
  }

  public allowClient(client: Workload): void {
    this.allowFrom(client);
  }

  /** Lets a workload of ours reach every member. */
  public allowFrom(client: Workload): void {
    this.workload.allowFrom(client, [{ port: MONGODB_PORT }]);
  }

  private scriptsConfig?: ConfigFiles;

  private get scripts(): ConfigFiles {
    const chart = AppChart.of(this);
    this.scriptsConfig ??= new ConfigFiles(this, 'scripts', {
      name: `${this.workload.name}-scripts`,
      namespace: chart.namespaceName,
      labels: recommendedLabels({ ...this.workload.identity, component: 'database-init' }),
      data: { 'init-replica-set.js': INIT_SCRIPT },
    });
    return this.scriptsConfig;
  }

  /** The application users, the backup user and (with metrics) the exporter, with their roles. */
  private internalUsers(metrics?: boolean): DatabaseUser[] {
    return [...this.users, BACKUP_USER, ...(metrics ? [EXPORTER_USER] : [])];
  }

  /** The container that runs init-replica-set.js, the same for the init Job and the reconcile CronJob. */
  private reconcileContainer(image: ContainerImage, metrics?: boolean): ContainerProps {
    const users = this.internalUsers(metrics);
    const userEnv = Object.fromEntries(users.map((u) => [passwordVariable(u), EnvValue.fromSecret(this.credentials, passwordKey(u))]));
    return {
      name: 'init-replica-set',
      image,
      command: ['mongosh', '--nodb', '--quiet', '--norc', '--file', '/scripts/init-replica-set.js'],
      env: {
        HOME: EnvValue.value('/tmp'),
        MONGODB_MEMBERS: EnvValue.value(this.memberHosts.join(',')),
        MONGODB_RETIRING: EnvValue.value(this.retiringHosts.join(',')),
        MONGODB_REPLICA_SET: EnvValue.value(this.replicaSetName),
        MONGODB_USERS: EnvValue.value(JSON.stringify(users.map((u) => ({ ...u, roles: rolesOf(u), passwordVariable: passwordVariable(u) })))),
        MONGODB_ROOT_PASSWORD: EnvValue.fromSecret(this.credentials, ROOT_PASSWORD_KEY),
        MONGODB_ROOT_PASSWORD_PREVIOUS: EnvValue.fromSecret(this.credentials, PREVIOUS_ROOT_PASSWORD_KEY),
        ...userEnv,
      },
      resources: ResourcePreset.SMALL,
      mounts: [{ volume: 'scripts', path: '/scripts' }],
      writablePaths: ['/tmp'],
    };
  }

  private createInitJob(chart: AppChart, container: ContainerProps): Workload {
    void chart;
    const job = new Workload(this, 'init', {
      identity: { name: 'mongodb', instance: `${this.workload.name}-init`, component: 'database-init' },
      kind: WorkloadKind.JOB,
      // Each run waits up to 5 minutes per step and exits 1 when members are late; the reconcile CronJob continues,
      // so this deadline ends only this fast path, never the convergence.
      job: { backoffLimit: 3, activeDeadlineSeconds: 1800 },
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 5 }),
      volumes: [Volume.fromConfigMap('scripts', this.scripts)],
      containers: [container],
    });
    this.workload.allowFrom(job, [{ port: MONGODB_PORT }]);
    return job;
  }

  /** percona/mongodb_exporter beside each member, scraping its own mongod; credentials through env, never argv. */
  private exporterContainer(): ContainerProps {
    return {
      name: 'exporter',
      // Dockerfile: FROM scratch, USER 65535:65535, EXPOSE 9216; flags from main.go.
      image: ContainerImage.of('percona/mongodb_exporter:0.53.0', { uid: 65535 }),
      args: [`--mongodb.uri=mongodb://localhost:${MONGODB_PORT}/admin`, '--mongodb.direct-connect', '--collect-all', '--compatible-mode', `--web.listen-address=:${EXPORTER_PORT}`],
      env: { MONGODB_USER: EnvValue.value(EXPORTER_USER.username), MONGODB_PASSWORD: EnvValue.fromSecret(this.credentials, passwordKey(EXPORTER_USER)) },
      ports: [{ name: 'metrics', port: EXPORTER_PORT }],
      resources: ResourcePreset.MICRO,
      probes: { liveness: Probe.tcp('metrics', { periodSeconds: 20 }), readiness: Probe.tcp('metrics', { periodSeconds: 20 }) },
    };
  }
}

function onlyUser(owner: string, users: readonly DatabaseUser[]): string {
  if (users.length !== 1) throw new Error(`${owner}: ${users.length} users are declared; name the one to connect as with { user }`);
  return users[0].username;
}

/** The exporter's user: what percona/mongodb_exporter's README asks for. */
const EXPORTER_USER: DatabaseUser = { username: 'exporter', database: 'admin' };

function rolesOf(user: DatabaseUser): { role: string; db: string }[] {
  if (user === BACKUP_USER) return BACKUP_ROLES;
  if (user === EXPORTER_USER) return [{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'local' }];
  return [{ role: 'readWrite', db: user.database }];
}

/**
 * Writes the keyfile mongod reads: the key alone, or during a rotation the previous and the current key as a YAML
 * list, mode 0400 for the mongodb user. Keys are base64 or hex, so they need no quoting.
 */
export const KEYFILE_SCRIPT = [
  'set -eu',
  'umask 0377',
  'target=/etc/mongodb/keyfile/keyfile',
  'rm -f "$target" "$target.new"',
  'if [ -n "${MONGODB_KEYFILE_PREVIOUS:-}" ] && [ "$MONGODB_KEYFILE_PREVIOUS" != "$MONGODB_KEYFILE" ]; then',
  '  printf -- \'- %s\\n- %s\\n\' "$MONGODB_KEYFILE_PREVIOUS" "$MONGODB_KEYFILE" > "$target.new"',
  'else',
  '  printf \'%s\\n\' "$MONGODB_KEYFILE" > "$target.new"',
  'fi',
  'exec mv "$target.new" "$target"',
].join('\n');

function passwordKey(user: DatabaseUser): string {
  return `mongodb-password-${user.username}`;
}

function passwordVariable(user: DatabaseUser): string {
  return `MONGODB_PASSWORD_${user.username.toUpperCase().replace(/-/g, '_')}`;
}

/** mongod's own rule, applied to the container's limit instead of the node's memory: 50% of (limit - 1 GiB), at least 0.25 GiB. */
function wiredTigerCacheGb(owner: string, r: Resources): string {
  const limitGiB = toMebibytes(owner, 'memoryLimit', r.memoryLimit) / 1024;
  return String(Math.max(0.25, Math.floor((limitGiB - 1) * 0.5 * 100) / 100));
}
