/** What every workload construct may say about its pods, beyond its containers. */
import * as k8s from '../../imports/k8s';

/**
 * Pod-level options every workload construct takes (WebService, Worker and the Workload itself): where the pods may
 * run, how their images are pulled, and labels and annotations for other tools.
 */
export interface PodOptions {
  /** Node labels the pods require, e.g. `{ 'kubernetes.io/os': 'linux' }`. @default - none */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate, e.g. of a dedicated node pool. @default - none */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Node and pod affinity, e.g. to prefer nodes of a pool or keep apart from another app. @default - none */
  readonly affinity?: k8s.Affinity;
  /** Secrets (of type kubernetes.io/dockerconfigjson, created out of band) to pull private images with. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /** Extra pod labels, e.g. a client label another app's policy lets in; the recommended labels cannot be overridden. @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Extra pod template annotations, e.g. Prometheus scrape settings. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

