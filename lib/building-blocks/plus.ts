/**
 * The only file that imports cdk8s-plus-27, which is no longer maintained
 * upstream: moving to a current cdk8s-plus is a change here. We use it where
 * its defaults are already right (ConfigMap, ServiceAccount without a token);
 * pods and workloads are L1 objects because its selectors
 * (`cdk8s.io/metadata.addr`), pull policy and missing seccomp are not.
 */
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** The metadata of an object made with cdk8s-plus: exactly what we set, nothing it would add. */
export interface PlainMetadata {
  /** The object's name. */
  readonly name: string;
  /** The object's namespace. */
  readonly namespace: string;
  /** The object's labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A ConfigMap with exactly this metadata and data. */
export function createConfigMap(scope: Construct, id: string, metadata: PlainMetadata, data: Readonly<Record<string, string>>): void {
  new kplus.ConfigMap(scope, id, {
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: { ...metadata.labels } },
    data: { ...data },
  });
}

/** A ServiceAccount; its API token is mounted only when the workload calls the Kubernetes API. */
export function createServiceAccount(scope: Construct, id: string, metadata: PlainMetadata, automountToken: boolean): void {
  new kplus.ServiceAccount(scope, id, {
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: { ...metadata.labels } },
    automountToken,
  });
}
