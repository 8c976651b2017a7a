import { kafka } from '../../apps/kafka/app';
import { orders } from '../../apps/orders/app';
import { Environment } from '../../lib/building-blocks/environment';
import { assertConnectionAllowed, assertRestricted, assertSelectorsMatch } from '../../lib/testing';
import { find, findAll, findingsOf, manifests, synthApps } from '../helpers';

describe('orders example app', () => {
  const local = synthApps([orders], Environment.LOCAL);
  const prod = synthApps([orders], Environment.PRODUCTION);
  const ofApp = (records: typeof local, app: string) => records.filter((r) => r.app === app);

  test.each([
    ['local', local, Environment.LOCAL],
    ['production', prod, Environment.PRODUCTION],
  ])('%s brings the Kafka app it uses, passes the gate and matches its snapshot', (_name, records, env) => {
    expect([...new Set(records.map((r) => r.app))].sort()).toEqual(['kafka', 'orders']);
    expect(findingsOf(records, env)).toEqual([]);
    assertRestricted(records);
    assertSelectorsMatch(records);
    expect(manifests(ofApp(records, 'orders'))).toMatchSnapshot();
  });

  test.each([
    ['local', local],
    ['production', prod],
  ])('%s: every connection the app declares is allowed by the policies of both sides', (_name, records) => {
    const api = { kind: 'Deployment', name: 'orders-api' };
    const brokers = find(records, 'StatefulSet', records === local ? 'kafka' : 'kafka-broker', 'kafka');
    const broker = { kind: 'StatefulSet', name: brokers.metadata.name, namespace: 'kafka' };
    assertConnectionAllowed(records, api, { kind: 'StatefulSet', name: 'orders-cache' }, 'memcached');
    assertConnectionAllowed(records, api, broker, 'client');
    assertConnectionAllowed(records, { kind: 'Deployment', name: 'orders-audit' }, broker, 'client');
    const topicJob = findAll(records, 'Job').find((j) => j.metadata.name.startsWith('kafka-topic-orders'));
    assertConnectionAllowed(records, { kind: 'Job', name: topicJob.metadata.name }, broker, 'client');
  });

  test('connectTo put every broker and cache member into the env, from objects', () => {
    const env = find(prod, 'Deployment', 'orders-api').spec.template.spec.containers[0].env;
    const value = (name: string) => env.find((e: any) => e.name === name).value;
    expect(value('KAFKA_BOOTSTRAP_SERVERS').split(',')).toEqual([0, 1, 2].map((i) => `kafka-broker-${i}.kafka-broker-headless.kafka.svc.cluster.local:9092`));
    expect(value('MEMCACHED_SERVERS').split(',')).toHaveLength(2);
    const worker = find(prod, 'Deployment', 'orders-audit').spec.template.spec.containers[0];
    expect(worker.command).toContain('$(KAFKA_BOOTSTRAP_SERVERS)');
    expect(worker.env.map((e: any) => e.name)).toContain('KAFKA_BOOTSTRAP_SERVERS');
  });

  test('the brokers let in the API, the worker, the migration and the topic Job, each across namespaces', () => {
    const ingress = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress.filter((r: any) => r.ports[0].port === 9092 && r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/instance']);
    const clients = ingress.map((r: any) => `${r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']}/${r.from[0].podSelector.matchLabels['app.kubernetes.io/instance']}`).sort();
    expect(clients).toEqual(['orders/kafka-topic-orders', 'orders/orders-api', 'orders/orders-api-migrate', 'orders/orders-audit']);
  });

  test('the topic Job and the gated migration are there', () => {
    const jobs = findAll(prod, 'Job').map((j) => j.metadata.name);
    expect(jobs.some((n) => /^kafka-topic-orders-[0-9a-f]{8}$/.test(n))).toBe(true);
    const migrate = jobs.find((n) => n.startsWith('orders-api-migrate-'));
    const waiter = find(prod, 'Deployment', 'orders-api').spec.template.spec.initContainers[0];
    expect(waiter.env.find((e: any) => e.name === 'JOB_NAME').value).toBe(migrate);
    expect(find(prod, 'HorizontalPodAutoscaler', 'orders-api').spec.maxReplicas).toBe(10);
  });

  test('kafka synthesised alone is the same as when orders brings it, apart from the clients orders adds', () => {
    const alone = synthApps([kafka], Environment.PRODUCTION);
    expect(find(alone, 'StatefulSet', 'kafka-broker')).toEqual(find(prod, 'StatefulSet', 'kafka-broker'));
  });
});
