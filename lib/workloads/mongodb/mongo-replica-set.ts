/**
 * A MongoDB replica set on the official `mongo` image, with auth, a member
 * keyfile, persistence and an idempotent initialisation Job.
 *
 * How it forms and survives: members start together (Parallel) behind a
 * headless Service that publishes not-ready addresses, so each resolves the
 * others by stable DNS name before any is ready. Only member 0 creates the
 * root user on an empty volume; the others start empty so that they can join
 * by initial sync. The init Job waits for every member, initiates the set only
 * if no member knows it, adds missing members and syncs user passwords. A
 * restarted member keeps the set's configuration on its volume and rejoins by
 * itself; the Job never initiates a second set.
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
import { toMebibytes } from '../../vocabulary/quantity';
import { resolveResources, ResourcePreset, Resources } from '../../building-blocks/resources';
import { SecretRef, SecretSource } from '../../building-blocks/secrets';
import { WorkloadService } from '../../building-blocks/service';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Volume } from '../../building-blocks/volumes';
import { Connectable, Workload, WorkloadKind } from '../../building-blocks/workload';
import { Check, checkProps } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';

export const MONGODB_PORT = 27017;
const INIT_SCRIPT = fs.readFileSync(path.join(__dirname, 'init-replica-set.js'), 'utf8');
const KEYFILE_KEY = 'mongodb-replica-set-key';
export const ROOT_PASSWORD_KEY = 'mongodb-root-password';

export interface DatabaseUser {
  /** User name; it is created in, and authenticates against, its database. */
  readonly username: string;
  readonly database: string;
}

export interface MongoReplicaSetProps {
  /** @default mongo:8.0.26 (runs as user mongodb, uid 999) */
  readonly image?: ContainerImage;
  /** @default 'rs0' */
  readonly replicaSetName?: string;
  /** An odd number of data-bearing members. @default 1 in local, 3 in production */
  readonly members?: number;
  /** Application users, each with readWrite on its database. @default - none */
  readonly users?: readonly DatabaseUser[];
  /**
   * Where the root password, the keyfile and the users' passwords come from.
   * @default SecretSource.fromEnvironment('<INSTANCE>_SECRET'), e.g. ROCKETCHAT_MONGODB_SECRET
   */
  readonly credentials?: SecretSource;
  /** @default ResourcePreset.MEDIUM in local, ResourcePreset.XLARGE in production */
  readonly resources?: ResourcePreset | Resources;
  /** Volume size per member. @default 2Gi in local, 50Gi in production */
  readonly storageSize?: string;
  /** @default the environment's StorageClass */
  readonly storageClassName?: string;
}

export class MongoReplicaSet extends Construct implements Connectable {
  public readonly workload: Workload;
  public readonly headlessService: WorkloadService;
  public readonly credentials: SecretRef;
  public readonly replicaSetName: string;
  public readonly members: number;
  public readonly initJob: Workload;
  public readonly image: ContainerImage;
  private readonly users: readonly DatabaseUser[];

  public constructor(scope: Construct, id: string, props: MongoReplicaSetProps = {}) {
    super(scope, id);
    checkProps<MongoReplicaSetProps>(`mongodb '${id}'`, props, {
      image: Shapes.image,
      replicaSetName: Check.nonEmptyString,
      members: Check.integer(1, 50),
      users: Check.array(Check.object<DatabaseUser>({ username: Check.required(Check.nonEmptyString), database: Check.required(Check.nonEmptyString) })),
      credentials: Shapes.secretSource,
      resources: Shapes.resources,
      storageSize: Check.quantity,
      storageClassName: Check.nonEmptyString,
    });
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
    if (this.members % 2 === 0) {
      throw new Error(`${owner}: members ${this.members} is even; use an odd number so that a majority survives the loss of a member`);
    }
    this.users = props.users ?? [];
    for (const u of this.users) {
      checkDnsLabel(owner, 'users.username', u.username);
      if (!/^[A-Za-z0-9_-]{1,63}$/.test(u.database) || u.database === 'admin' || u.database === 'local') {
        throw new Error(`${owner}: database '${u.database}' for user '${u.username}' is not allowed; use letters, digits, '-' or '_' and not admin or local`);
      }
    }
    const resources = resolveResources(owner, props.resources ?? env.pick({ local: ResourcePreset.MEDIUM, production: ResourcePreset.XLARGE }));
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
        { key: KEYFILE_KEY, description: 'shared key members authenticate each other with', generate: 'keyfile' },
        ...this.users.map((u) => ({ key: passwordKey(u), description: `password of user ${u.username}`, generate: 'password' as const })),
      ],
    });

    // mongod refuses a keyfile readable by others, and a Secret volume's files
    // belong to root; an init container copies it to an emptyDir owned by the
    // mongodb user with mode 0400.
    const keyfileVolume = Volume.fromSecret('keyfile-secret', this.credentials, { items: { [KEYFILE_KEY]: 'keyfile' }, defaultMode: 0o440 });
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
      volumes: [keyfileVolume, Volume.emptyDir('keyfile')],
      initContainers: [
        {
          name: 'keyfile',
          image,
          command: ['install', '-m', '0400', '/etc/mongodb/keyfile-secret/keyfile', '/etc/mongodb/keyfile/keyfile'],
          resources: ResourcePreset.NANO,
          mounts: [
            { volume: 'keyfile-secret', path: '/etc/mongodb/keyfile-secret' },
            { volume: 'keyfile', path: '/etc/mongodb/keyfile', readOnly: false },
          ],
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
          ],
          env: {
            HOME: EnvValue.value('/tmp'),
            MONGO_INITDB_ROOT_USERNAME: EnvValue.value('root'),
            MONGO_INITDB_ROOT_PASSWORD: EnvValue.fromSecret(this.credentials, ROOT_PASSWORD_KEY),
          },
          ports: [{ name: 'mongodb', port: MONGODB_PORT }],
          resources,
          probes: {
            startup: Probe.exec(mongosh("db.adminCommand('ping')"), { periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 30 }),
            liveness: Probe.exec(mongosh("db.adminCommand('ping')"), { periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 }),
            readiness: Probe.exec(mongosh('const h = db.hello(); if (!(h.isWritablePrimary || h.secondary)) quit(1)'), { periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 }),
          },
          mounts: [
            { volume: 'data', path: '/data/db', readOnly: false },
            { volume: 'keyfile', path: '/etc/mongodb/keyfile' },
          ],
          writablePaths: ['/data/configdb', '/tmp'],
        },
      ],
    });
    this.workload.allowFrom(this.workload, [{ port: MONGODB_PORT }]);
    this.headlessService = new WorkloadService(this, 'headless', this.workload, {
      name: headlessName,
      ports: [{ name: 'mongodb', port: MONGODB_PORT }],
      headless: true,
      publishNotReadyAddresses: true,
    });
    this.initJob = this.createInitJob(chart, image);
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

  private createInitJob(chart: AppChart, image: ContainerImage): Workload {
    const scripts = new ConfigFiles(this, 'scripts', {
      name: `${this.workload.name}-scripts`,
      namespace: chart.namespaceName,
      labels: recommendedLabels({ ...this.workload.identity, component: 'database-init' }),
      data: { 'init-replica-set.js': INIT_SCRIPT },
    });
    const userEnv = Object.fromEntries(this.users.map((u) => [passwordVariable(u), EnvValue.fromSecret(this.credentials, passwordKey(u))]));
    const job = new Workload(this, 'init', {
      identity: { name: 'mongodb', instance: `${this.workload.name}-init`, component: 'database-init' },
      kind: WorkloadKind.JOB,
      job: { backoffLimit: 10, activeDeadlineSeconds: 1200 },
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 5 }),
      volumes: [Volume.fromConfigMap('scripts', scripts)],
      containers: [
        {
          name: 'init-replica-set',
          image,
          command: ['mongosh', '--nodb', '--quiet', '--norc', '--file', '/scripts/init-replica-set.js'],
          env: {
            HOME: EnvValue.value('/tmp'),
            MONGODB_MEMBERS: EnvValue.value(this.memberHosts.join(',')),
            MONGODB_REPLICA_SET: EnvValue.value(this.replicaSetName),
            MONGODB_USERS: EnvValue.value(JSON.stringify(this.users.map((u) => ({ ...u, passwordVariable: passwordVariable(u) })))),
            MONGODB_ROOT_PASSWORD: EnvValue.fromSecret(this.credentials, ROOT_PASSWORD_KEY),
            ...userEnv,
          },
          resources: ResourcePreset.SMALL,
          mounts: [{ volume: 'scripts', path: '/scripts' }],
          writablePaths: ['/tmp'],
        },
      ],
    });
    this.workload.allowFrom(job, [{ port: MONGODB_PORT }]);
    return job;
  }
}

function onlyUser(owner: string, users: readonly DatabaseUser[]): string {
  if (users.length !== 1) throw new Error(`${owner}: ${users.length} users are declared; name the one to connect as with { user }`);
  return users[0].username;
}

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
