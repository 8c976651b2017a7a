/**
 * The only file that imports cdk8s-plus-27, which is no longer maintained
 * upstream: moving to a current cdk8s-plus is a change here. We use it where
 * its defaults are already right (ConfigMap, ServiceAccount without a token);
 * pods and workloads are L1 objects because its selectors
 * (`cdk8s.io/metadata.addr`), pull policy and missing seccomp are not.
 */
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface PlainMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

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
