/**
 * Kafka in KRaft mode as a shared event bus: one combined node locally, three
 * controllers and three brokers in production. Services connect by object
 * (`workload.connectTo(kafka.cluster)`, declaring `uses: [kafka]`); pods of
 * other namespaces labelled `shipshape.dev/kafka-client: "true"` are let in.
 * See README.md beside this file.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { Environment } from '../../lib/building-blocks/environment';
import { KafkaCluster } from '../../lib/workloads/kafka/kafka-cluster';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { AppDefinition } from '../../lib/building-blocks/app-definition';

export const KAFKA_CLIENT_LABEL = 'shipshape.dev/kafka-client';

/** Generated once with `kafka-storage.sh random-uuid`; a cluster keeps its id for life. */
const PRODUCTION_CLUSTER_ID = 'hYkeba0EvH7rJmaYnj0Hgw';

export class KafkaAppChart extends AppChart {
  public readonly cluster: KafkaCluster;

  public constructor(scope: Construct, env: Environment) {
    super(scope, 'kafka', { env, description: kafka.description, version: '4.1.0' });
    this.cluster = new KafkaCluster(this, 'kafka', { clusterId: env.pick({ local: undefined, production: PRODUCTION_CLUSTER_ID }) });
    this.cluster.allowFromPeer(NetworkPeers.labelledClients(KAFKA_CLIENT_LABEL));
  }
}

export const kafka: AppDefinition<KafkaAppChart> = {
  name: 'kafka',
  description: 'Apache Kafka 4 in KRaft mode: combined node locally, 3 controllers + 3 brokers in production',
  build: (scope, env) => new KafkaAppChart(scope, env),
};
