/**
 * Rocket.Chat on a MongoDB replica set: a team chat that `kubectl apply -f dist`
 * brings up and that you can log in to. See README.md beside this file.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { Environment } from '../../lib/building-blocks/environment';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { WebIngress } from '../../lib/building-blocks/ingress';
import { ExternalMongoDatabase, ExternalMongoDatabaseProps } from '../../lib/workloads/mongodb/external-mongo-database';
import { MongoBackup } from '../../lib/workloads/mongodb/mongo-backup';
import { MongoReplicaSet } from '../../lib/workloads/mongodb/mongo-replica-set';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { WorkloadService } from '../../lib/building-blocks/service';
import { ShutdownPolicy } from '../../lib/building-blocks/shutdown';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { Workload } from '../../lib/building-blocks/workload';

export const ROCKETCHAT_PORT = 3000;

export interface RocketChatAppProps {
  /**
   * Use a MongoDB that runs elsewhere instead of the bundled replica set.
   * @default - a MongoReplicaSet in the app's namespace
   */
  readonly externalDatabase?: ExternalMongoDatabaseProps;
}

const DESCRIPTION = 'Rocket.Chat team chat on a MongoDB replica set';

export function rocketChatApp(props: RocketChatAppProps = {}): AppDefinition {
  return { name: 'rocketchat', description: DESCRIPTION, build: (scope, env) => buildRocketChat(scope, env, props) };
}

/** The catalogue's Rocket.Chat, with its own replica set. */
export const rocketchat = rocketChatApp();

function buildRocketChat(scope: Construct, env: Environment, props: RocketChatAppProps): AppChart {
  const chart = new AppChart(scope, 'rocketchat', { env, description: DESCRIPTION, version: '8.6.0' });
  const mongo = props.externalDatabase
    ? new ExternalMongoDatabase(chart, 'rocketchat-mongodb', props.externalDatabase)
    : new MongoReplicaSet(chart, 'rocketchat-mongodb', { users: [{ username: 'rocketchat', database: 'rocketchat' }] });
  // An external database is backed up by whoever runs it.
  if (mongo instanceof MongoReplicaSet) new MongoBackup(chart, 'backup', { replicaSet: mongo, keepDays: env.pick({ local: 2, production: 14 }) });
  const host = `chat.${env.config.baseDomain}`;
  // Locally the UI is reached through `kubectl port-forward`, so that is the URL it must know.
  const rootUrl = env.config.tls ? `https://${host}` : `http://localhost:${ROCKETCHAT_PORT}`;
  const web = new Workload(chart, 'rocketchat', {
    identity: { name: 'rocketchat', instance: 'rocketchat', component: 'server' },
    replicas: env.pick({ local: 1, production: 3 }),
    shutdown: ShutdownPolicy.server({ drainSeconds: 10, shutdownSeconds: 30 }),
    containers: [
      {
        name: 'rocketchat',
        image: ContainerImage.of('rocketchat/rocket.chat:8.6.0', { uid: 65533 }),
        env: {
          ROOT_URL: EnvValue.value(rootUrl),
          PORT: EnvValue.value(ROCKETCHAT_PORT),
          DEPLOY_METHOD: EnvValue.value('shipshape'),
          INSTANCE_IP: EnvValue.fromField('status.podIP'),
          HOME: EnvValue.value('/tmp'),
        },
        ports: [{ name: 'http', port: ROCKETCHAT_PORT }],
        resources: env.pick({ local: ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }), production: ResourcePreset.LARGE.with({ memoryLimit: '2Gi' }) }),
        probes: {
          // The first boot migrates the database: give it up to 10 minutes.
          startup: Probe.http('/health', 'http', { periodSeconds: 10, failureThreshold: 60 }),
          liveness: Probe.http('/health', 'http', { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 }),
          readiness: Probe.http('/health', 'http', { periodSeconds: 10, timeoutSeconds: 5 }),
        },
        writablePaths: ['/tmp', '/app/uploads'],
      },
    ],
  });
  web.connectTo(mongo);
  // Instances talk to each other about presence and streams.
  web.allowFrom(web, [{ port: ROCKETCHAT_PORT }]);
  const service = new WorkloadService(chart, 'service', web, { name: 'rocketchat', ports: [{ name: 'http', port: ROCKETCHAT_PORT }] });
  if (env.config.tls) new WebIngress(chart, 'ingress', service, { host, portName: 'http' });
  return chart;
}
