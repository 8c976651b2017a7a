/**
 * The checks of the shapes many constructs share (an image, env, resources, probes, volumes, containers), so each
 * construct's `checkProps` spec lists its own props and reuses these.
 */
import { Check, PropsSpec } from './check-props';
import { ContainerPort, ContainerProps, VolumeMount } from './container';
import { WorkloadIdentity } from './labels';
import { ServiceContainerProps } from './service-container';
import { EnvValue } from './env-value';
import { ContainerImage } from './image';
import { Probe, Probes } from './probes';
import { ResourcePreset, Resources } from './resources';
import { SecretSource } from './secrets';
import { ShutdownPolicy } from './shutdown';
import { InitProcess } from './signals';
import { PodOptions } from './pod-options';
import * as k8s from '../../imports/k8s';
import { Volume } from './volumes';

export const Shapes = {
  image: Check.instance(ContainerImage, "ContainerImage.of('repository:tag')"),
  env: Check.record(Check.instance(EnvValue, "EnvValue.value('...'), EnvValue.fromSecret(...) or EnvValue.fromConfigMap(...)")),
  resources: Check.either(
    Check.instance(ResourcePreset, 'ResourcePreset.SMALL, ...'),
    Check.object<Resources>({
      cpuRequest: Check.required(Check.quantity),
      memoryRequest: Check.required(Check.quantity),
      memoryLimit: Check.required(Check.quantity),
      cpuLimit: Check.quantity,
    }),
  ),
  probe: Check.instance(Probe, "Probe.http('/healthz', 'http'), Probe.tcp(...) or Probe.exec([...])"),
  shutdown: Check.instance(ShutdownPolicy, 'ShutdownPolicy.server() or ShutdownPolicy.worker()'),
  initProcess: Check.instance(InitProcess, 'InitProcess.NONE, InitProcess.tini() or InitProcess.SHARED_PROCESS_NAMESPACE'),
  secretSource: Check.instance(SecretSource, 'SecretSource.existing(name), SecretSource.external({...}), SecretSource.development() or SecretSource.fromEnvironment(variable)'),
  volume: Check.instance(Volume, 'Volume.emptyDir(...), Volume.fromConfigMap(...), Volume.fromSecret(...)'),
  /** A number, or one per environment (`{ local: 1, production: 3 }`). */
  perEnvironment: (value: Check<false>) => Check.either(value, Check.record(value)),
};

export const PROBES: PropsSpec<Probes> = { liveness: Shapes.probe, readiness: Shapes.probe, startup: Shapes.probe };

export const CONTAINER_PORT: PropsSpec<ContainerPort> = {
  name: Check.required(Check.string),
  port: Check.required(Check.port),
  protocol: Check.oneOf(['TCP', 'UDP']),
};

export const VOLUME_MOUNT: PropsSpec<VolumeMount> = {
  volume: Check.required(Check.string),
  path: Check.required(Check.string),
  readOnly: Check.boolean,
  subPath: Check.string,
};

export const CONTAINER: PropsSpec<ContainerProps> = {
  name: Check.required(Check.string),
  image: Check.required(Shapes.image),
  command: Check.stringArray,
  args: Check.stringArray,
  env: Shapes.env,
  ports: Check.array(Check.object(CONTAINER_PORT)),
  resources: Check.required(Shapes.resources),
  probes: Check.object(PROBES),
  writablePaths: Check.stringArray,
  mounts: Check.array(Check.object(VOLUME_MOUNT)),
  workingDir: Check.string,
};

/** The checks of PodOptions, shared by every construct that takes them. */
export const POD_OPTIONS: PropsSpec<PodOptions> = {
  nodeSelector: Check.stringRecord,
  tolerations: Check.array(Check.any),
  affinity: Check.object<k8s.Affinity>({ nodeAffinity: Check.any, podAffinity: Check.any, podAntiAffinity: Check.any }),
  imagePullSecrets: Check.array(Check.nonEmptyString),
  podLabels: Check.stringRecord,
  podAnnotations: Check.stringRecord,
};

export const SERVICE_CONTAINER: PropsSpec<ServiceContainerProps> = {
  image: Check.required(Shapes.image),
  command: Check.stringArray,
  args: Check.stringArray,
  env: Shapes.env,
  configFiles: Check.stringRecord,
  configPath: Check.string,
  resources: Shapes.resources,
  replicas: Shapes.perEnvironment(Check.integer(0, 1000)),
  writablePaths: Check.stringArray,
  ...POD_OPTIONS,
  volumes: Check.array(Shapes.volume),
  mounts: Check.array(Check.object(VOLUME_MOUNT)),
  initContainers: Check.array(Check.object(CONTAINER)),
  sidecars: Check.array(Check.object(CONTAINER)),
};

export const IDENTITY: PropsSpec<Pick<WorkloadIdentity, 'name' | 'instance' | 'component'>> = {
  name: Check.required(Check.nonEmptyString),
  instance: Check.required(Check.nonEmptyString),
  component: Check.required(Check.nonEmptyString),
};

