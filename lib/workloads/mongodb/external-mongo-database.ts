/**
 * A MongoDB that shipshape does not run (Atlas, a company cluster): clients
 * read the whole connection string from an existing Secret, and their
 * egress is opened only to the addresses named here.
 */
import { isIP } from 'net';
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { ConnectOptions, prefixed } from '../../building-blocks/connection';
import { EnvValue } from '../../building-blocks/env-value';
import { checkPort } from '../../building-blocks/names';
import { NetworkPeers } from '../../building-blocks/network-policy';
import { SecretRef, SecretSource } from '../../building-blocks/secrets';
import type { Connectable, Workload } from '../../building-blocks/workload';
import { MONGODB_PORT } from './mongo-replica-set';
import { Check, checkProps, PropsSpec } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';

export const MONGODB_URI_KEY = 'mongodb-uri';

/** A MongoDB database outside the cluster: its connection Secret and where it is reached. */
export interface ExternalMongoDatabaseProps {
  /** The Secret holding the connection string under the key `mongodb-uri` (`mongodb://` or `mongodb+srv://`). */
  readonly secret: SecretSource;
  /** Networks the database is reached at, e.g. `10.20.0.0/16`; clients may connect there and nowhere else. */
  readonly cidrs: readonly string[];
  /** The port clients may connect to. @default 27017 */
  readonly port?: number;
}

const EXTERNAL_MONGO_DATABASE_PROPS: PropsSpec<ExternalMongoDatabaseProps> = {
  secret: Check.required(Shapes.secretSource),
  cidrs: Check.required(Check.stringArray),
  port: Check.port,
};

/** A MongoDB database outside the cluster that workloads connect to through its connection-string Secret. */
export class ExternalMongoDatabase extends Construct implements Connectable {
  public readonly secret: SecretRef;
  public readonly port: number;
  private readonly cidrs: readonly string[];

  public constructor(scope: Construct, id: string, props: ExternalMongoDatabaseProps) {
    super(scope, id);
    checkProps<ExternalMongoDatabaseProps>(`external mongodb '${id}'`, props, EXTERNAL_MONGO_DATABASE_PROPS);
    const chart = AppChart.of(this);
    const owner = `external mongodb '${id}'`;
    this.port = checkPort(owner, 'port', props.port ?? MONGODB_PORT);
    if (props.cidrs.length === 0) throw new Error(`${owner}: cidrs is empty; name the networks the database is at, e.g. ['10.20.0.0/16']`);
    for (const cidr of props.cidrs) {
      if (!isCidr(cidr)) throw new Error(`${owner}: cidr '${cidr}' is not an IPv4 or IPv6 CIDR; use a form like 10.20.0.0/16`);
    }
    this.cidrs = props.cidrs;
    this.secret = props.secret.bind(this, {
      owner,
      defaultName: `${id}-connection`,
      namespace: chart.namespaceName,
      env: chart.env,
      labels: chart.labelsFor('database'),
      keys: [{ key: MONGODB_URI_KEY, description: 'mongodb://user:password@host1,host2/db?replicaSet=rs0&authSource=db', generate: 'given' }],
    });
  }

  /** Egress to the database's networks only. */
  public allowClient(client: Workload): void {
    for (const cidr of this.cidrs) client.allowEgressTo(NetworkPeers.cidr(cidr), [{ port: this.port }]);
  }

  /** `MONGO_URL` from the Secret. */
  public connectionEnv(options?: ConnectOptions): Record<string, EnvValue> {
    return { [prefixed(options, 'MONGO_URL')]: EnvValue.fromSecret(this.secret, MONGODB_URI_KEY) };
  }
}

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address);
  return family !== 0 && extra === undefined && /^[0-9]{1,3}$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
}
