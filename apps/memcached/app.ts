/**
 * A memcached cluster for client-side hashing. Clients in any namespace reach
 * it when their pods carry the label `shipshape.dev/memcached-client: "true"`
 * (as the Bitnami chart's allowExternal=false); our own constructs use
 * `cache.allowFrom(workload)` instead.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { Environment } from '../../lib/building-blocks/environment';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { AppDefinition } from '../../lib/building-blocks/app-definition';

export const CLIENT_LABEL = 'shipshape.dev/memcached-client';

const DESCRIPTION = 'memcached cluster for client-side consistent hashing, with a headless Service and a metrics exporter';

/**
 * The memcached chart, with a typed handle to its cluster: an app that declares `uses: [memcached]` connects with
 * `workload.connectTo(context.use(memcached).cache)`, which also opens both NetworkPolicies.
 */
export class MemcachedAppChart extends AppChart {
  /** The shared cluster. */
  public readonly cache: MemcachedCluster;

  public constructor(scope: Construct, env: Environment) {
    super(scope, 'memcached', { env, description: DESCRIPTION });
    // No load-balanced Service: clients hash over the members (README, "Clients").
    this.cache = new MemcachedCluster(this, 'memcached');
    this.cache.allowFromPeer(NetworkPeers.labelledClients(CLIENT_LABEL));
  }
}

export const memcached: AppDefinition<MemcachedAppChart> = {
  name: 'memcached',
  description: DESCRIPTION,
  build: (scope, env) => new MemcachedAppChart(scope, env),
};
