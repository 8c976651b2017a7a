/**
 * The README's worked example ("Growing a service"), compiled and synthesised by test/examples/billing-api.test.ts;
 * the README shows this file's code verbatim between the markers.
 */
// README:start
import { AppChart } from '../../lib/building-blocks/app-chart';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { Volume } from '../../lib/building-blocks/volumes';
import { MongoReplicaSet } from '../../lib/workloads/mongodb/mongo-replica-set';
import { WebService } from '../../lib/workloads/web-service';

const BILLING = ContainerImage.of('ghcr.io/acme/billing:2.0.1', { uid: 1000 });
// statsd_exporter's Dockerfile: busybox base, USER nobody (65534), metrics on :9102/metrics.
const STATSD_EXPORTER = ContainerImage.of('quay.io/prometheus/statsd-exporter:v0.28.0', { uid: 65534 });

export const billingApi: AppDefinition = {
  name: 'billing-api',
  description: 'billing API with a metrics sidecar, HTTP and gRPC, a Secret of its own and a bundled MongoDB',
  build(scope, env) {
    const chart = new AppChart(scope, 'billing-api', { env, description: this.description });
    // A bundled MongoDB: production takes its credentials from the Secret named by BILLING_DB_SECRET.
    const db = new MongoReplicaSet(chart, 'billing-db', { users: [{ username: 'billing', database: 'billing' }], members: env.pick({ local: 1, production: 3 }) });
    // A Secret you create yourself: kubectl create secret generic billing-stripe -n billing-api --from-literal=api-key=...
    const stripe = SecretSource.existing('billing-stripe', ['api-key']);
    new WebService(chart, 'billing-api', {
      image: BILLING,
      port: 8080,
      ports: [{ name: 'grpc', port: 9090 }], // on the container and the Service, beside http
      env: { STRIPE_API_KEY: EnvValue.fromSecret(stripe.ref, 'api-key'), STATSD_HOST: EnvValue.value('localhost:9125') },
      ingressHost: `billing.${env.config.baseDomain}`,
      ingressAnnotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' },
      // An init container renders templates into a volume that the app (and nobody else) then reads.
      volumes: [Volume.emptyDir('templates')],
      initContainers: [{ name: 'render', image: BILLING, command: ['/app/render-templates', '/templates'], resources: ResourcePreset.NANO, mounts: [{ volume: 'templates', path: '/templates', readOnly: false }] }],
      mounts: [{ volume: 'templates', path: '/app/templates' }],
      sidecars: [
        {
          name: 'statsd-exporter',
          image: STATSD_EXPORTER,
          ports: [{ name: 'statsd', port: 9125, protocol: 'UDP' }, { name: 'metrics', port: 9102 }],
          resources: ResourcePreset.NANO,
          probes: { liveness: Probe.http('/metrics', 'metrics'), readiness: Probe.http('/metrics', 'metrics') },
        },
      ],
      podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' },
      imagePullSecrets: ['ghcr-pull'],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: env.pick({ local: [], production: [{ key: 'dedicated', value: 'billing', effect: 'NoSchedule' }] }),
    }).connectTo(db); // MONGO_URL and the password from the db's Secret; both NetworkPolicies opened
    return chart;
  },
};
// README:end
