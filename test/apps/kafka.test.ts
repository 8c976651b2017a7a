import { kafka, KAFKA_CLIENT_LABEL } from '../../apps/kafka/app';
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

  test('labelled client pods of any namespace reach the brokers on 9092, and nothing else does', () => {
    const ingress = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress;
    const clients = ingress.filter((r: any) => r.ports[0].port === 9092);
    expect(clients).toEqual([{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { [KAFKA_CLIENT_LABEL]: 'true' } } }], ports: [{ port: 9092, protocol: 'TCP' }] }]);
  });

  test('every headless Service selects its StatefulSet', () => {
    for (const svc of findAll(prod, 'Service')) {
      const sts = findAll(prod, 'StatefulSet').find((s) => s.spec.serviceName === svc.metadata.name);
      expect(sts).toBeDefined();
      expect(selects(svc.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    }
  });
});
