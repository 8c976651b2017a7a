/**
 * A client identity of a Kafka cluster: a SCRAM-SHA-512 user and its ACLs,
 * declared in the cluster's app (the server admits declared identities, as a
 * Strimzi KafkaUser). A Job of the cluster's app sets the credential
 * (`kafka-configs.sh --alter --add-config SCRAM-SHA-512=[password=...]`, an
 * upsert), removes the user's ACLs that the code no longer declares (converge-acls.sh) and adds the declared ones
 * (`kafka-acls.sh --add`). A client connects with
 * `workload.connectTo(cluster, { user })` and gets exactly this user's
 * credentials, from a copy of its Secret in the client's own namespace: the
 * same value in both (the same development seed, the same ExternalSecret
 * keys, or an existing Secret of that name created in both namespaces).
 * Sources: apache/kafka docs/security.html (SCRAM, ACLs), tools/src/main/java/org/apache/kafka/tools/AclCommand.java
 * (`--operation`, `--topic`, `--group`, `--resource-pattern-type`, `--list` output, `--remove --force`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { Check, checkProps } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';
import { EnvValue } from '../../building-blocks/env-value';
import { SecretKeySpec, SecretRef, SecretSource } from '../../building-blocks/secrets';
import { Workload } from '../../building-blocks/workload';
import { ADMIN_ARGS, adminJob } from './kafka-admin-job';
import { KafkaCluster } from './kafka-cluster';
import { SCRAM_MECHANISM } from './kafka-scripts';

const NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** One permission: operations on a topic or a consumer group (a literal name, or a prefix). */
export class KafkaAcl {
  /** Read a topic (Read, Describe) and commit offsets as a group (Read on the group). */
  public static consume(topic: string, group: string): KafkaAcl[] {
    return [new KafkaAcl('topic', topic, ['Read', 'Describe']), new KafkaAcl('group', group, ['Read'])];
  }

  /**
   * Write to a topic (Write, Describe). Write on a topic is also enough for idempotent producers (KafkaApis
   * InitProducerId accepts IdempotentWrite on the cluster or Write on any topic); no Create, topics are declared.
   */
  public static produce(topic: string): KafkaAcl[] {
    return [new KafkaAcl('topic', topic, ['Write', 'Describe'])];
  }

  /** Any operations on a resource, e.g. `KafkaAcl.of('topic', 'audit-', ['Read'], true)` for a prefix. */
  public static of(resource: 'topic' | 'group', name: string, operations: readonly string[], prefixed = false): KafkaAcl {
    return new KafkaAcl(resource, name, operations, prefixed);
  }

  private constructor(
    public readonly resource: 'topic' | 'group',
    public readonly name: string,
    public readonly operations: readonly string[],
    public readonly prefixed = false,
  ) {}

  /** The bindings as `kafka-acls.sh --list` names them: `TYPE|NAME|PATTERN|HOST|OPERATION|PERMISSION`, one per operation. */
  public bindings(): string[] {
    const pattern = this.prefixed ? 'PREFIXED' : 'LITERAL';
    return this.operations.map((o) => `${this.resource.toUpperCase()}|${this.name}|${pattern}|*|${o.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}|ALLOW`);
  }

  /** The `kafka-acls.sh` arguments after `--allow-principal`. */
  public args(): string {
    const ops = this.operations.map((o) => `--operation ${o}`).join(' ');
    return `${ops} --${this.resource} '${this.name}' --resource-pattern-type ${this.prefixed ? 'prefixed' : 'literal'}`;
  }
}

const OPERATIONS = ['Read', 'Write', 'Describe', 'Create', 'Delete', 'Alter', 'DescribeConfigs', 'AlterConfigs'];

/** Removes the user's ACLs that the code does not declare (see the script's header). */
const CONVERGE_ACLS = fs.readFileSync(path.join(__dirname, 'converge-acls.sh'), 'utf8');

/** A user of a cluster: its name, its ACLs and where its password comes from. */
export interface KafkaUserProps {
  /** The cluster; the user is declared in its app. */
  readonly cluster: KafkaCluster;
  /** The SCRAM user name (principal `User:<name>`). @default the construct id */
  readonly name?: string;
  /** What the user may do; nothing else is allowed (allow.everyone.if.no.acl.found=false). */
  readonly acls: readonly (KafkaAcl | readonly KafkaAcl[])[];
  /**
   * Where the password comes from (key `password`, letters and digits: `--add-scram` and kafka-configs split on ',').
   * The same source makes the client's copy in its namespace.
   * @default SecretSource.fromEnvironment('KAFKA_USER_<NAME>_SECRET')
   */
  readonly credentials?: SecretSource;
}

const KEYS: readonly SecretKeySpec[] = [{ key: 'password', description: 'SCRAM password (letters and digits)', generate: 'password' }];

/** A SCRAM user with its ACLs, set by a Job of the cluster's app; clients connect as it with connectTo(cluster, { user }). */
export class KafkaUser extends Construct {
  public readonly userName: string;
  public readonly acls: readonly KafkaAcl[];
  public readonly job: Workload;
  private readonly cluster: KafkaCluster;
  private readonly source: SecretSource;
  private readonly secretName: string;
  private readonly copies = new Map<string, SecretRef>();

  public constructor(scope: Construct, id: string, props: KafkaUserProps) {
    super(scope, id);
    const acl = Check.instance(KafkaAcl, 'KafkaAcl.consume(topic, group), KafkaAcl.produce(topic) or KafkaAcl.of(...)');
    checkProps<KafkaUserProps>(`kafka user '${id}'`, props, {
      cluster: Check.required(Check.instance(KafkaCluster, 'a KafkaCluster')),
      name: Check.nonEmptyString,
      acls: Check.required(Check.array(Check.either(acl, Check.array(acl)))),
      credentials: Shapes.secretSource,
    });
    this.cluster = props.cluster;
    this.userName = props.name ?? id;
    const owner = `kafka user '${this.userName}'`;
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(this.userName)) {
      throw new Error(`${owner}: name must be 1-42 lowercase letters, digits or '-' (it names Secrets and a Job)`);
    }
    this.acls = props.acls.flat();
    if (this.acls.length === 0) throw new Error(`${owner}: acls is empty, so the user could do nothing; give e.g. KafkaAcl.consume(topic, group)`);
    for (const acl of this.acls) {
      if (!NAME.test(acl.name)) throw new Error(`${owner}: ${acl.resource} '${acl.name}' must be 1-249 letters, digits, '.', '_' or '-'`);
      const bad = acl.operations.find((o) => !OPERATIONS.includes(o));
      if (bad !== undefined || acl.operations.length === 0) throw new Error(`${owner}: operation '${bad ?? ''}' on ${acl.resource} '${acl.name}' is not one of ${OPERATIONS.join(', ')}`);
    }
    this.source = props.credentials ?? SecretSource.fromEnvironment(`KAFKA_USER_${this.userName.toUpperCase().replace(/-/g, '_')}_SECRET`);
    this.secretName = `${this.cluster.instance}-user-${this.userName}`;
    this.cluster.registerUser(this);
    const own = this.secretIn(AppChart.of(this));
    const acls = this.acls.map((a) => `/opt/kafka/bin/kafka-acls.sh ${ADMIN_ARGS} --add --allow-principal 'User:${this.userName}' ${a.args()}`);
    this.job = adminJob(this, 'job', {
      cluster: this.cluster,
      owner,
      instance: `${this.cluster.instance}-user-${this.userName}`,
      component: 'user',
      brokers: 1,
      env: {
        KAFKA_USER_PASSWORD: EnvValue.fromSecret(own, 'password'),
        KAFKA_PRINCIPAL: EnvValue.value(`User:${this.userName}`),
        KAFKA_DECLARED_ACLS: EnvValue.value([...new Set(this.acls.flatMap((a) => a.bindings()))].sort().join('\n')),
      },
      // Taken out of the code, taken out of the cluster: undeclared ACLs go before the declared ones are added.
      script: [
        `echo "setting the ${SCRAM_MECHANISM} credential of user ${this.userName}"`,
        `/opt/kafka/bin/kafka-configs.sh ${ADMIN_ARGS} --alter --entity-type users --entity-name '${this.userName}' --add-config "${SCRAM_MECHANISM}=[password=$KAFKA_USER_PASSWORD]"`,
        ...CONVERGE_ACLS.trimEnd().split('\n').filter((line) => !line.startsWith('#')), // its header stays in the source
        ...acls,
        `exec /opt/kafka/bin/kafka-acls.sh ${ADMIN_ARGS} --list --principal 'User:${this.userName}'`,
      ],
    });
  }

  /** The user's Secret in `chart`'s namespace (made once per namespace, with the same value everywhere). */
  public secretIn(chart: AppChart): SecretRef {
    const existing = this.copies.get(chart.namespaceName);
    if (existing) return existing;
    const scope = chart === AppChart.of(this) ? this : chart;
    const id = chart === AppChart.of(this) ? 'credentials' : `${this.secretName}-credentials`;
    const ref = this.source.bind(new Construct(scope, id), {
      owner: `kafka user '${this.userName}'`,
      defaultName: this.secretName,
      namespace: chart.namespaceName,
      keys: KEYS,
      env: chart.env,
      labels: chart.labelsFor('kafka-user'),
      developmentSeed: `kafka-user/${this.cluster.namespace}/${this.cluster.instance}/${this.userName}`,
    });
    this.copies.set(chart.namespaceName, ref);
    return ref;
  }
}
