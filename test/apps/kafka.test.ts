import { kafka } from '../../apps/kafka/app';
import { Environment } from '../../lib/building-blocks/environment';
import { find, findAll, selects, synthApps, testGateAndSnapshot } from '../helpers';

describe('kafka app', () => {
  const local = synthApps([kafka], Environment.LOCAL);
  const prod = synthApps([kafka], Environment.PRODUCTION);

  testGateAndSnapshot(local, prod);

  test('production keeps the committed cluster id; local derives a stable one', () => {
    const id = (records: any, sts: string) => find(records, 'StatefulSet', sts).spec.template.spec.containers[0].env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value;
    expect(id(prod, 'kafka-broker')).toBe('hYkeba0EvH7rJmaYnj0Hgw');
    expect(id(prod, 'kafka-controller')).toBe('hYkeba0EvH7rJmaYnj0Hgw');
    expect(id(local, 'kafka')).toBe(id(synthApps([kafka], Environment.LOCAL), 'kafka'));
  });

  test('clients reach the brokers on 9092 only from namespaces their app labelled, never by a pod label they set themselves', () => {
    const ingress = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress;
    const fromOutside = ingress.filter((r: any) => !r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(fromOutside).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kafka-client.shipshape.dev/kafka.kafka': 'true' } } }], ports: [{ port: 9092, protocol: 'TCP' }] }]);
    // The controller listener (PLAINTEXT, ANONYMOUS is a super user) admits only Kafka's own pods.
    const controller = find(prod, 'NetworkPolicy', 'kafka-controller').spec.ingress;
    expect(controller.map((r: any) => `${r.from[0].podSelector.matchLabels['app.kubernetes.io/instance']}:${r.ports[0].port}`).sort()).toEqual(['kafka-broker:9093', 'kafka-controller:9093']);
  });

  test('the users of the orders app are declared here with exactly their rights, and production reads every credential from existing Secrets', () => {
    const scripts = findAll(prod, 'Job').map((j) => j.spec.template.spec.containers[0].command[2] as string);
    const acls = scripts.flatMap((s) => s.split('\n').filter((l) => l.includes('kafka-acls.sh') && l.includes('--add')).map((l) => l.slice(l.indexOf('--allow-principal'))));
    expect(acls.sort()).toEqual([
      "--allow-principal 'User:orders-api' --operation Write --operation Describe --topic 'orders' --resource-pattern-type literal",
      "--allow-principal 'User:orders-audit' --operation Read --group 'orders-audit' --resource-pattern-type literal",
      "--allow-principal 'User:orders-audit' --operation Read --operation Describe --topic 'orders' --resource-pattern-type literal",
    ]);
    expect(findAll(prod, 'Secret')).toEqual([]);
    const refs = find(prod, 'StatefulSet', 'kafka-broker').spec.template.metadata.annotations['shipshape.dev/external-refs'];
    expect(refs).toBe('Secret/kafka-credentials');
  });

  test('every headless Service selects its StatefulSet', () => {
    for (const svc of findAll(prod, 'Service')) {
      const sts = findAll(prod, 'StatefulSet').find((s) => s.spec.serviceName === svc.metadata.name);
      expect(sts).toBeDefined();
      expect(selects(svc.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    }
  });
});
