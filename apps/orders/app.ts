/**
 * An example of your own service, built only from shipshape's constructs:
 * an HTTP API with a migration that gates its rollout, a memcached cluster
 * of its own, and a Kafka topic on the catalogue's Kafka with a worker that
 * consumes it. Wiring is by object (`connectTo`), never by host names.
 * podinfo stands in for your image; see README.md beside this file.
 */
import { kafka } from '../kafka/app';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { ContainerImage } from '../../lib/building-blocks/image';
import { KafkaTopic } from '../../lib/workloads/kafka/kafka-topic';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { Migration } from '../../lib/workloads/migration/migration';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { WebService } from '../../lib/workloads/web-service';
import { Worker } from '../../lib/workloads/worker';

const PODINFO = ContainerImage.of('ghcr.io/stefanprodan/podinfo:6.12.0', { uid: 100, gid: 101 });

export const orders: AppDefinition = {
  name: 'orders',
  description: 'example service: HTTP API with a gated migration, memcached, a Kafka topic and a consumer',
  uses: [kafka],
  build(scope, env, context) {
    const chart = new AppChart(scope, 'orders', { env, description: this.description, version: '6.12.0' });
    const bus = context.use(kafka).cluster;
    const cache = new MemcachedCluster(chart, 'orders-cache', { members: env.pick({ local: 1, production: 2 }) });
    const topic = new KafkaTopic(chart, 'orders-topic', { cluster: bus, name: 'orders', partitions: env.pick({ local: 1, production: 6 }) });

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
    api.connectTo(cache).connectTo(bus);
    // Stands in for your migrate command (e.g. ['npm', 'run', 'migrate']): same image, env and connections as the API.
    new Migration(chart, 'migration', { service: api.workload, command: ['./podinfo', '--version'] });

    new Worker(chart, 'orders-audit', {
      image: bus.image,
      command: ['/opt/kafka/bin/kafka-console-consumer.sh', '--bootstrap-server', '$(KAFKA_BOOTSTRAP_SERVERS)', '--topic', topic.topicName, '--group', 'orders-audit'],
      env: { KAFKA_HEAP_OPTS: EnvValue.value('-Xms128m -Xmx128m'), LOG_DIR: EnvValue.value('/tmp') },
      resources: ResourcePreset.SMALL.with({ memoryLimit: '384Mi' }),
      replicas: { local: 1, production: 2 },
      probes: { liveness: Probe.exec(['pgrep', '-f', 'kafka.tools.ConsoleConsumer'], { periodSeconds: 30 }) },
      writablePaths: ['/tmp', '/opt/kafka/logs'],
    }).connectTo(bus);
    return chart;
  },
};
