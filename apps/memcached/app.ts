/**
 * A memcached cluster for client-side hashing. Clients in any namespace reach
 * it when their pods carry the label `shipshape.dev/memcached-client: "true"`
 * (as the Bitnami chart's allowExternal=false); our own constructs use
 * `cache.allowFrom(workload)` instead.
 */
import { AppChart } from '../../lib/building-blocks/app-chart';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { AppDefinition } from '../../lib/building-blocks/app-definition';

export const CLIENT_LABEL = 'shipshape.dev/memcached-client';

export const memcached: AppDefinition = {
  name: 'memcached',
  description: 'memcached cluster for client-side consistent hashing, with a headless Service and a metrics exporter',
  build(scope, env) {
    const chart = new AppChart(scope, 'memcached', { env, description: this.description });
    const cache = new MemcachedCluster(chart, 'memcached', { loadBalancedService: true });
    cache.allowFromPeer(NetworkPeers.labelledClients(CLIENT_LABEL));
    return chart;
  },
};
