/**
 * One container, rendered with everything production needs: pinned image,
 * IfNotPresent pulls, the restricted security context, explicit resources,
 * probes, a read-only root with emptyDir for the paths the image writes, and
 * a command whose signals reach the program.
 */
import * as k8s from '../../imports/k8s';
import { EnvValue } from './env-value';
import { ContainerImage } from './image';
import { checkAbsolutePath, checkDnsLabel, checkEnvName, checkPort, checkPortName } from './names';
import { relativePathProblem } from '../vocabulary/formats';
import { Probe, Probes } from './probes';
import { renderResources, resolveResources, ResourcePreset, Resources } from './resources';
import { restrictedContainerSecurityContext } from './security';
import { checkSignalPropagation, InitProcess } from './signals';

/** A port the container listens on. */
export interface ContainerPort {
  /** Port name, referred to by Services and probes. */
  readonly name: string;
  /** Port number the container listens on. */
  readonly port: number;
  /** Transport protocol. @default TCP */
  readonly protocol?: 'TCP' | 'UDP';
}

/** A pod volume mounted into the container. */
export interface VolumeMount {
  /** The pod volume's name. */
  readonly volume: string;
  /** Absolute path in the container where the volume is mounted. */
  readonly path: string;
  /** Whether the mount is read-only. @default true */
  readonly readOnly?: boolean;
  /** Path inside the volume to mount instead of its root. @default - the whole volume */
  readonly subPath?: string;
}

/** What a container runs and needs; rendered by renderContainer. */
export interface ContainerProps {
  /** Container name, a DNS label. */
  readonly name: string;
  /** The pinned image to run. */
  readonly image: ContainerImage;
  /**
   * The program and its arguments, in exec form.
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /** Arguments to the command, in exec form. @default - the image's cmd */
  readonly args?: readonly string[];
  /** Environment variables, in order. @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Ports the container listens on. @default - none */
  readonly ports?: readonly ContainerPort[];
  /** A preset or explicit values; required, so that no container runs unbounded. */
  readonly resources: ResourcePreset | Resources;
  /**
   * Health probes; long-running containers need at least one.
   * @default - none, which the workload refuses for long-running containers
   */
  readonly probes?: Probes;
  /**
   * Paths the image writes to; each gets an emptyDir so the root filesystem stays read-only.
   * @default - none
   */
  readonly writablePaths?: readonly string[];
  /** Pod volumes mounted into the container. @default - none */
  readonly mounts?: readonly VolumeMount[];
  /** Working directory of the program. @default - the image's */
  readonly workingDir?: string;
}

/** A pod-scoped name for the emptyDir of a writable path. */
export function writableVolumeName(container: string, path: string): string {
  const slug = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase() || 'root';
  return `${container}-${slug}`.slice(0, 63).replace(/-$/, '');
}

/** What renderContainer needs to know about the workload the container belongs to. */
export interface RenderContext {
  /** The owning workload's description, used in error messages. */
  readonly owner: string;
  /** The workload's init process, whose prefix is prepended to the command. */
  readonly initProcess: InitProcess;
}

/** Checks a container's props and renders the Kubernetes container. */
export function renderContainer(props: ContainerProps, ctx: RenderContext): k8s.Container {
  const owner = `${ctx.owner} container '${props.name}'`;
  checkDnsLabel(owner, 'name', props.name);
  checkSignalPropagation(owner, props.command, props.args);
  const ports = (props.ports ?? []).map((p) => ({
    name: checkPortName(owner, p.name),
    containerPort: checkPort(owner, `port '${p.name}'`, p.port),
    protocol: p.protocol ?? 'TCP',
  }));
  checkPorts(owner, ports);
  checkProbePorts(owner, props.probes, ports);
  if (ctx.initProcess.prefix.length > 0 && !props.command) {
    // args alone keep the image's ENTRYPOINT (command maps to ENTRYPOINT, args to CMD), so there is nothing to prefix.
    throw new Error(
      `${owner}: initProcess ${ctx.initProcess.kind} needs command, since it is prepended to it, but only ${props.args ? 'args are' : 'the image entrypoint is'} given; ` +
        "spell out the image's entrypoint in command, or use InitProcess.SHARED_PROCESS_NAMESPACE",
    );
  }
  const command = props.command && ctx.initProcess.prefix.length > 0 ? [...ctx.initProcess.prefix, ...props.command] : props.command;
  // Order as written: Kubernetes expands $(VAR) only from variables defined earlier.
  const env = Object.entries(props.env ?? {}).map(([name, value]) => value.render(checkEnvName(owner, name)));
  checkEnvReferences(owner, env);
  const mounts: k8s.VolumeMount[] = [
    ...(props.mounts ?? []).map((m) => ({ name: m.volume, mountPath: checkAbsolutePath(owner, `mount of '${m.volume}' path`, m.path), readOnly: m.readOnly ?? true, subPath: checkSubPath(owner, m.subPath) })),
    ...(props.writablePaths ?? []).map((path) => ({ name: writableVolumeName(props.name, path), mountPath: checkAbsolutePath(owner, 'writablePaths entry', path) })),
  ];
  checkMountPaths(owner, mounts);
  const resources = renderResources(resolveResources(owner, props.resources));
  return {
    name: props.name,
    image: props.image.reference,
    imagePullPolicy: 'IfNotPresent',
    command: command ? [...command] : undefined,
    args: props.args ? [...props.args] : undefined,
    workingDir: props.workingDir,
    env: env.length > 0 ? env : undefined,
    ports: ports.length > 0 ? ports : undefined,
    resources: {
      requests: mapQuantities(resources.requests),
      limits: mapQuantities(resources.limits),
    },
    livenessProbe: props.probes?.liveness?.render(),
    readinessProbe: props.probes?.readiness?.render(),
    startupProbe: props.probes?.startup?.render(),
    securityContext: restrictedContainerSecurityContext({ uid: props.image.uid, gid: props.image.gid }),
    volumeMounts: mounts.length > 0 ? mounts : undefined,
  };
}

function mapQuantities(values: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

/** A `$(VAR)` in a value expands only if VAR is defined earlier; otherwise the literal text is passed on. */
export function checkEnvReferences(owner: string, env: readonly k8s.EnvVar[]): void {
  const defined = new Set<string>();
  for (const e of env) {
    for (const m of (e.value ?? '').matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      if (!defined.has(m[1])) {
        throw new Error(`${owner}: env ${e.name} refers to $(${m[1]}), which is not defined before it; define ${m[1]} earlier in env`);
      }
    }
    defined.add(e.name);
  }
}

/** Port names are unique in a container (the API server refuses a duplicate), and one port number has one name. */
function checkPorts(owner: string, ports: readonly { name: string; containerPort: number; protocol: string }[]): void {
  const names = new Set<string>();
  const numbers = new Map<string, string>();
  for (const p of ports) {
    if (names.has(p.name)) throw new Error(`${owner}: port name '${p.name}' is used twice; give each port its own name`);
    names.add(p.name);
    const key = `${p.containerPort}/${p.protocol}`;
    const other = numbers.get(key);
    if (other) {
      throw new Error(`${owner}: port ${p.containerPort}/${p.protocol} is declared twice, as '${other}' and '${p.name}'; declare it once and refer to that name`);
    }
    numbers.set(key, p.name);
  }
}

/** A probe on a named port finds it only if this container declares it; otherwise the kubelet fails the probe. */
function checkProbePorts(owner: string, probes: Probes | undefined, ports: readonly { name: string }[]): void {
  for (const [kind, probe] of Object.entries(probes ?? {})) {
    const name = (probe as Probe | undefined)?.portName;
    if (name !== undefined && !ports.some((p) => p.name === name)) {
      throw new Error(`${owner}: probes.${kind} uses port '${name}', which the container does not declare; declared ports: ${ports.map((p) => p.name).join(', ') || 'none'}`);
    }
  }
}

/** A mount path is unique in a container (the API server refuses a duplicate), e.g. a config path equal to a writable path. */
function checkMountPaths(owner: string, mounts: readonly k8s.VolumeMount[]): void {
  const seen = new Map<string, string>();
  for (const m of mounts) {
    const path = m.mountPath.replace(/\/+$/, '') || '/';
    const other = seen.get(path);
    if (other !== undefined) {
      throw new Error(`${owner}: ${path} is mounted twice (volumes '${other}' and '${m.name}'); a path can hold one mount, so move one of them or drop it from writablePaths`);
    }
    seen.set(path, m.name);
  }
}

function checkSubPath(owner: string, subPath: string | undefined): string | undefined {
  const problem = subPath === undefined ? undefined : relativePathProblem(subPath);
  if (problem) throw new Error(`${owner}: mount subPath '${subPath}' ${problem}`);
  return subPath;
}
