/**
 * Wiring by object: a client workload connects to a service (a MongoDB
 * replica set, a memcached cluster, a Kafka cluster, an external database)
 * and gets both the environment it connects with and the NetworkPolicy
 * rules on both sides. No host names or Secret names are typed by hand.
 * `Connectable`, the contract of a service, is in workload.ts beside `connectTo`.
 */

export interface ConnectOptions {
  /** The database user to connect as, where the service has users. @default the service's only user */
  readonly user?: string;
  /** A prefix for the variable names, to connect to two services of one kind. @default - none */
  readonly envPrefix?: string;
}

/** Applies `options.envPrefix` to variable names. */
export function prefixed(options: ConnectOptions | undefined, name: string): string {
  return `${options?.envPrefix ?? ''}${name}`;
}
