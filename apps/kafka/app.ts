/**
 * Kafka in KRaft mode as a shared event bus: one combined node locally, three
 * controllers and three brokers in production. Clients authenticate with
 * SASL/SCRAM as a user declared here, with its ACLs (the server admits
 * declared identities); a client's app connects with
 * `workload.connectTo(kafka.cluster, { user })` and labels its own namespace,
 * which the brokers' NetworkPolicy admits. Topics are declared here too: they
 * are administered with the admin credentials, which never leave this namespace.
 * See README.md beside this file.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { Environment } from '../../lib/building-blocks/environment';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { KafkaCluster } from '../../lib/workloads/kafka/kafka-cluster';
import { KafkaTopic } from '../../lib/workloads/kafka/kafka-topic';
import { KafkaAcl, KafkaUser } from '../../lib/workloads/kafka/kafka-user';

/** Generated once with `kafka-storage.sh random-uuid`; a cluster keeps its id for life. */
const PRODUCTION_CLUSTER_ID = 'hYkeba0EvH7rJmaYnj0Hgw';

export class KafkaAppChart extends AppChart {
  public readonly cluster: KafkaCluster;
  /** The orders app's topic. */
  public readonly ordersTopic: KafkaTopic;

  public constructor(scope: Construct, env: Environment) {
    super(scope, 'kafka', { env, description: kafka.description, version: '4.1.0' });
    // Production Secrets are created out of band (README: "Credentials"); locally they are generated development values.
    const secret = (name: string) => env.pick<SecretSource>({ local: SecretSource.development(), production: SecretSource.existing(name) });
    this.cluster = new KafkaCluster(this, 'kafka', { clusterId: env.pick({ local: undefined, production: PRODUCTION_CLUSTER_ID }), credentials: secret('kafka-credentials') });
    this.ordersTopic = new KafkaTopic(this, 'orders-topic', { cluster: this.cluster, name: 'orders', partitions: env.pick({ local: 1, production: 6 }) });
    new KafkaUser(this, 'orders-api', { cluster: this.cluster, acls: [KafkaAcl.produce('orders')], credentials: secret('kafka-user-orders-api') });
    new KafkaUser(this, 'orders-audit', { cluster: this.cluster, acls: [KafkaAcl.consume('orders', 'orders-audit')], credentials: secret('kafka-user-orders-audit') });
  }
}

export const kafka: AppDefinition<KafkaAppChart> = {
  name: 'kafka',
  description: 'Apache Kafka 4 in KRaft mode: combined node locally, 3 controllers + 3 brokers in production; SCRAM users with ACLs',
  build: (scope, env) => new KafkaAppChart(scope, env),
};
