/**
 * An example of your own service, built only from shipshape's constructs:
 * an HTTP API with a migration that gates its rollout, a memcached cluster
 * of its own, and the catalogue's Kafka (its topic `orders` and the users
 * `orders-api` and `orders-audit` are declared in the kafka app), with a worker
 * that consumes the topic. Wiring is by object (`connectTo`), never by host names.
 * podinfo stands in for your image; see README.md beside this file.
 */
import { kafka } from '../kafka/app';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { ContainerImage } from '../../lib/building-blocks/image';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { Migration } from '../../lib/workloads/migration/migration';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { WebService } from '../../lib/workloads/web-service';
import { Worker } from '../../lib/workloads/worker';

/** The console consumer's main class in Kafka 4 (a regex for `pgrep -f`: dots escaped). */
export const CONSOLE_CONSUMER_PATTERN = 'org\\.apache\\.kafka\\.tools\\.consumer\\.ConsoleConsumer';

const PODINFO = ContainerImage.of('ghcr.io/stefanprodan/podinfo:6.12.0', { uid: 100, gid: 101 });

export const orders: AppDefinition = {
  name: 'orders',
  description: 'example service: HTTP API with a gated migration, memcached, a Kafka topic and a consumer',
  uses: [kafka],
  build(scope, env, context) {
    const chart = new AppChart(scope, 'orders', { env, description: this.description, version: '6.12.0' });
    const kafkaApp = context.use(kafka);
    const bus = kafkaApp.cluster;
    const topic = kafkaApp.ordersTopic;
    const cache = new MemcachedCluster(chart, 'orders-cache', { members: env.pick({ local: 1, production: 2 }) });

    const api = new WebService(chart, 'orders-api', {
      image: PODINFO,
      command: ['./podinfo', '--port=9898', '--level=info'],
      port: 9898,
      healthPath: '/healthz',
      readinessPath: '/readyz',
      env: { ORDERS_TOPIC: EnvValue.value(topic.topicName) },
      configFiles: { 'settings.yaml': 'currency: EUR\nmaxItemsPerOrder: 50\n' },
      ingressHost: { local: `orders.${env.config.baseDomain}`, production: `orders.${env.config.baseDomain}` },
      autoscaling: env.pick({ local: undefined, production: { minReplicas: 3, maxReplicas: 10 } }),
    });
    api.connectTo(cache).connectTo(bus, { user: 'orders-api' });
    // Stands in for your migrate command (e.g. ['npm', 'run', 'migrate']): same image, env and connections as the API.
    new Migration(chart, 'migration', { service: api.workload, command: ['./podinfo', '--version'] });

    // The console consumer reads its SASL settings from a file, written from the env connectTo gives. Kafka 4.1 runs it as
    // `java ... -cp ... org.apache.kafka.tools.consumer.ConsoleConsumer ...` (bin/kafka-console-consumer.sh, kafka-run-class.sh),
    // which is what the liveness check looks for; 4.1 names the file option --consumer.config (--command-config is 4.2).
    const consume = [
      'umask 077',
      'printf \'security.protocol=%s\\nsasl.mechanism=%s\\nsasl.jaas.config=%s\\n\' "$KAFKA_SECURITY_PROTOCOL" "$KAFKA_SASL_MECHANISM" "$KAFKA_SASL_JAAS_CONFIG" > /tmp/client.properties',
      'if [ -n "${KAFKA_CLIENT_RACK:-}" ]; then printf \'client.rack=%s\\n\' "$KAFKA_CLIENT_RACK" >> /tmp/client.properties; fi',
      `exec /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --consumer.config /tmp/client.properties --topic ${topic.topicName} --group orders-audit`,
    ].join('\n');
    new Worker(chart, 'orders-audit', {
      image: bus.image,
      command: ['bash', '-c', consume],
      env: { KAFKA_HEAP_OPTS: EnvValue.value('-Xms128m -Xmx128m'), LOG_DIR: EnvValue.value('/tmp/logs') },
      // Memory request = limit: the JVM commits its heap up front (see the Kafka README).
      resources: ResourcePreset.SMALL.with({ memoryRequest: '384Mi', memoryLimit: '384Mi' }),
      replicas: { local: 1, production: 2 },
      probes: { liveness: Probe.exec(['pgrep', '-f', CONSOLE_CONSUMER_PATTERN], { periodSeconds: 30 }) },
      writablePaths: ['/tmp'],
    }).connectTo(bus, { user: 'orders-audit' });
    return chart;
  },
};
