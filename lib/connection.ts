/**
 * Wiring by object: a client workload connects to a service (a MongoDB
 * replica set, a memcached cluster, a Kafka cluster, an external database)
 * and gets both the environment it connects with and the NetworkPolicy
 * rules on both sides. No host names or Secret names are typed by hand.
 */
import { EnvValue } from './env-value';
import type { Workload } from './workload';

export interface ConnectOptions {
  /** The database user to connect as, where the service has users. @default the service's only user */
  readonly user?: string;
  /** A prefix for the variable names, to connect to two services of one kind. @default - none */
  readonly envPrefix?: string;
}

/** Something a workload can connect to. */
export interface Connectable {
  /** The environment a client connects with (values, or references to Secrets). */
  connectionEnv(options?: ConnectOptions): Record<string, EnvValue>;
  /** Lets `client` through the network policies of both sides. */
  allowClient(client: Workload): void;
}

/** Applies `options.envPrefix` to variable names. */
export function prefixed(options: ConnectOptions | undefined, name: string): string {
  return `${options?.envPrefix ?? ''}${name}`;
}
