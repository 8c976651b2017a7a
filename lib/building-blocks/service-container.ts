/**
 * What WebService and Worker share: the knobs of a user's own container, and
 * how they become a Workload's container, config volume and env.
 */
import { Construct } from 'constructs';
import { AppChart } from './app-chart';
import { ConfigFiles } from './config-files';
import { ContainerProps, VolumeMount } from './container';
import { EnvValue } from './env-value';
import { PerEnvironment } from './environment';
import { ContainerImage } from './image';
import { PodOptions } from './pod-options';
import { ResourcePreset, Resources } from './resources';
import { Volume } from './volumes';

/** The main container of a long-running or scheduled workload and its pod's options. */
export interface ServiceContainerProps extends PodOptions {
  /** A pinned image, with the user it runs as. */
  readonly image: ContainerImage;
  /** In exec form. @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** Arguments to the command, in exec form. @default - the image's cmd */
  readonly args?: readonly string[];
  /** Plain values, or references to Secrets and ConfigMaps (`EnvValue.fromSecret`). @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Files put in a ConfigMap and mounted read-only at `configPath`; a change rolls the pods. @default - none */
  readonly configFiles?: Readonly<Record<string, string>>;
  /** Where the config files are mounted. @default '/etc/<name>' */
  readonly configPath?: string;
  /** A preset or explicit values. @default ResourcePreset.SMALL in local, ResourcePreset.MEDIUM in production */
  readonly resources?: ResourcePreset | Resources;
  /** A number, or one per environment. @default 1 in local, 3 in production */
  readonly replicas?: number | PerEnvironment<number>;
  /** Paths the image writes to, as emptyDirs. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
  /**
   * Pod volumes beyond the config files and writable paths, e.g. an emptyDir that an init container fills and the
   * main container and a sidecar read (each mounts it by name in its `mounts`).
   * @default - none
   */
  readonly volumes?: readonly Volume[];
  /** Mounts of `volumes` into the main container (read-only unless `readOnly: false`). @default - none */
  readonly mounts?: readonly VolumeMount[];
  /** Containers that run to completion before the main one starts, e.g. to fetch or render files into a volume. @default - none */
  readonly initContainers?: readonly ContainerProps[];
  /**
   * Containers beside the main one in every pod (a proxy, an exporter, a log forwarder): each with its own image,
   * resources and probes, under the same restricted security context; their ports join the pod's.
   * @default - none
   */
  readonly sidecars?: readonly ContainerProps[];
}

/** What buildServiceContainer resolves from ServiceContainerProps for the Workload. */
export interface BuiltContainer {
  /** The main container, without probes and ports, which the workload adds. */
  readonly container: Omit<ContainerProps, 'probes' | 'ports'>;
  /** The pod's volumes: the config files' ConfigMap and the given volumes. */
  readonly volumes: Volume[];
  /** The replica count for this environment. */
  readonly replicas: number;
  /** The Workload props that pass through unchanged: init containers and the pod options. */
  readonly pod: PodOptions & { readonly initContainers?: readonly ContainerProps[] };
  /** Containers beside the main one, after it in the pod. */
  readonly sidecars: readonly ContainerProps[];
}

/** Resolves ServiceContainerProps for this environment, creating the config files' ConfigMap. */
export function buildServiceContainer(scope: Construct, name: string, props: ServiceContainerProps): BuiltContainer {
  const chart = AppChart.of(scope);
  const env = chart.env;
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  const writablePaths = props.writablePaths ?? ['/tmp'];
  const configPath = props.configPath ?? `/etc/${name}`;
  if (props.configFiles && writablePaths.includes(configPath)) {
    throw new Error(
      `${name}: configPath '${configPath}' is also a writable path (writablePaths ${props.writablePaths ? 'lists it' : "defaults to ['/tmp']"}); ` +
        'a path holds one mount, so choose another configPath or leave it out of writablePaths',
    );
  }
  if (props.configFiles && Object.keys(props.configFiles).length > 0) {
    const files = new ConfigFiles(scope, 'config', { name: `${name}-config`, namespace: chart.namespaceName, labels: chart.labelsFor('config'), data: props.configFiles });
    volumes.push(Volume.fromConfigMap('config', files));
    mounts.push({ volume: 'config', path: configPath });
  }
  volumes.push(...(props.volumes ?? []));
  mounts.push(...(props.mounts ?? []));
  const sidecars = props.sidecars ?? [];
  const clash = sidecars.find((c) => c.name === name);
  if (clash) throw new Error(`${name}: sidecar '${clash.name}' has the main container's name; give the sidecar a name of its own`);
  const replicas = props.replicas === undefined ? env.pick({ local: 1, production: 3 }) : typeof props.replicas === 'number' ? props.replicas : env.pick(props.replicas);
  return {
    volumes,
    replicas,
    sidecars,
    pod: {
      initContainers: props.initContainers,
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations,
      affinity: props.affinity,
      imagePullSecrets: props.imagePullSecrets,
      podLabels: props.podLabels,
      podAnnotations: props.podAnnotations,
    },
    container: {
      name,
      image: props.image,
      command: props.command,
      args: props.args,
      env: props.env,
      resources: props.resources ?? env.pick({ local: ResourcePreset.SMALL, production: ResourcePreset.MEDIUM }),
      mounts,
      writablePaths,
    },
  };
}

