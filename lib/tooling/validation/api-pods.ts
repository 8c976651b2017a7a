/**
 * What the API server (and, where marked, the kubelet) refuses in a pod template, ported from kubernetes/kubernetes
 * `pkg/apis/core/validation/validation.go` (validateContainers, validateContainerPorts, ValidateVolumes,
 * ValidateVolumeMounts, ValidateEnv, validateResourceRequirements, validateProbe/validateHandler). A StatefulSet's
 * template is checked here too: the API server checks it only when the controller creates each pod, too late.
 */
import { join, PodTemplateRef } from '../manifest/pods';
import {
  absolutePathProblem,
  dnsLabelProblem,
  envVarNameProblem,
  portNameProblem,
  portNumberProblem,
  quantityProblem,
  relaxedEnvVarNameProblem,
} from '../../vocabulary/formats';
import { parseQuantity } from '../../vocabulary/quantity';
import { checkScheduling } from './api-scheduling';
import { Finding, finding } from './finding';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

export function checkPodApi(pod: PodTemplateRef): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, field: string, message: string) => out.push(finding(pod.record, rule, field, message));
  const base = join(pod.path, 'spec');
  const volumes = pod.spec.volumes ?? [];
  const volumeNames = new Set<string>();
  volumes.forEach((v, i) => {
    const at = join(base, `volumes[${i}]`);
    const problem = typeof v.name === 'string' ? dnsLabelProblem(v.name) : 'is required';
    if (problem) add('api/volume-name', `${at}.name`, `volume name '${v.name}' ${problem}`);
    if (volumeNames.has(v.name)) add('api/volume-name', `${at}.name`, `volume '${v.name}' is defined twice; give each volume its own name`);
    volumeNames.add(v.name);
    const size = v.emptyDir?.sizeLimit;
    if (size !== undefined && quantityProblem(size)) add('api/quantity', `${at}.emptyDir.sizeLimit`, `sizeLimit '${size}' ${quantityProblem(size)}`);
  });

  const containerNames = new Set<string>();
  const lists = [
    ['containers', pod.spec.containers ?? []],
    ['initContainers', pod.spec.initContainers ?? []],
  ] as const;
  for (const [list, containers] of lists) {
    containers.forEach((c, i) => {
      const at = join(base, `${list}[${i}]`);
      const name = String(c.name ?? '');
      const nameProblem = dnsLabelProblem(name);
      if (!c.name || nameProblem) add('api/container-name', `${at}.name`, `container name '${name}' ${nameProblem ?? 'is required'}`);
      if (containerNames.has(name)) add('api/container-name', `${at}.name`, `container name '${name}' is used twice in the pod (containers and initContainers share names); rename one`);
      containerNames.add(name);
      checkPorts(c, at, add);
      checkMounts(c, at, add);
      checkEnv(c, at, add);
      checkResources(c, at, add);
      checkProbes(c, at, add);
    });
  }
  checkScheduling(pod.spec, base, add);
  return out;
}

type Add = (rule: string, field: string, message: string) => void;
type Container = NonNullable<PodTemplateRef['spec']['containers']>[number];

function checkPorts(c: Container, at: string, add: Add): void {
  const names = new Set<string>();
  const numbers = new Map<string, string>();
  (c.ports ?? []).forEach((p: Record<string, any>, j) => {
    const field = `${at}.ports[${j}]`;
    if (p.name !== undefined) {
      const problem = portNameProblem(String(p.name));
      if (problem) add('api/port-name', `${field}.name`, `container '${c.name}' port name '${p.name}' ${problem} (IANA_SVC_NAME)`);
      if (names.has(p.name)) add('api/port-name', `${field}.name`, `container '${c.name}' declares port name '${p.name}' twice; names are unique in a container`);
      names.add(p.name);
    }
    if (portNumberProblem(p.containerPort)) add('api/port-number', `${field}.containerPort`, `container '${c.name}' containerPort ${p.containerPort} ${portNumberProblem(p.containerPort)}`);
    const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
    const other = numbers.get(key);
    // The API server only warns ("duplicate port definition"); a Service or probe by name then finds one of two.
    if (other !== undefined) add('api/port-number', `${field}.containerPort`, `container '${c.name}' declares port ${key} twice ('${other}' and '${p.name ?? ''}'); declare it once`);
    numbers.set(key, String(p.name ?? ''));
  });
}

function checkMounts(c: Container, at: string, add: Add): void {
  const paths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m: Record<string, any>, j) => {
    const field = `${at}.volumeMounts[${j}].mountPath`;
    const path = String(m.mountPath ?? '');
    if (paths.has(path)) add('api/mount-path', field, `container '${c.name}' mounts ${path} twice; a path holds one mount`);
    paths.add(path);
    // Not an API refusal (ValidateVolumeMounts has no IsAbs check); the container runtime fails the pod.
    const problem = absolutePathProblem(path);
    if (problem) add('api/mount-path', field, `container '${c.name}' mountPath '${path}' ${problem}; the container runtime refuses it when the pod starts`);
  });
}

function checkEnv(c: Container, at: string, add: Add): void {
  (c.env ?? []).forEach((e, j) => {
    const strict = envVarNameProblem(String(e.name ?? ''));
    if (!strict) return;
    const relaxed = relaxedEnvVarNameProblem(String(e.name ?? ''));
    const versions = relaxed ? 'Kubernetes 1.27 and 1.36 refuse it' : 'Kubernetes 1.27 refuses it (1.32 and later accept it)';
    add('api/env-name', `${at}.env[${j}].name`, `container '${c.name}' env name '${e.name}' ${relaxed ?? strict.replace(/ \(Kubernetes.*\)$/, '')}; ${versions}`);
  });
}

function checkResources(c: Container, at: string, add: Add): void {
  const requests = (c.resources?.requests ?? {}) as Record<string, unknown>;
  const limits = (c.resources?.limits ?? {}) as Record<string, unknown>;
  for (const [kind, values] of [['requests', requests], ['limits', limits]] as const) {
    for (const [resource, value] of Object.entries(values)) {
      const problem = quantityProblem(value);
      if (problem) add('api/quantity', `${at}.resources.${kind}.${resource}`, `container '${c.name}' ${kind}.${resource} '${String(value)}' ${problem}`);
    }
  }
  for (const [resource, request] of Object.entries(requests)) {
    const limit = limits[resource];
    if (limit === undefined || quantityProblem(request) || quantityProblem(limit)) continue;
    const r = parseQuantity('', '', request as string | number);
    const l = parseQuantity('', '', limit as string | number);
    if (r > l) add('api/requests-limits', `${at}.resources.requests.${resource}`, `container '${c.name}' requests ${resource} ${request}, above its limit ${limit}; the request must be less than or equal to the limit`);
  }
}

function checkProbes(c: Container, at: string, add: Add): void {
  const declared = new Set((c.ports ?? []).map((p) => p.name).filter((n): n is string => n !== undefined));
  for (const kind of PROBES) {
    const probe = c[kind] as Record<string, any> | undefined;
    if (!probe) continue;
    const field = `${at}.${kind}`;
    const handlers = HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
    if (handlers.length !== 1) {
      add('api/probe-handler', field, `container '${c.name}' ${kind} has ${handlers.length === 0 ? 'no handler' : `${handlers.length} handlers (${handlers.join(', ')})`}; give exactly one of exec, httpGet, tcpSocket or grpc`);
    }
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
    if (typeof port === 'string') {
      const problem = portNameProblem(port);
      if (problem) add('api/probe-handler', `${field}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`, `container '${c.name}' ${kind} port '${port}' ${problem}`);
      // Not an API refusal: the kubelet fails the probe at run time, so the pod never becomes ready or restarts.
      else if (!declared.has(port)) add('api/probe-port', `${field}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`, `container '${c.name}' ${kind} uses port '${port}', which the container does not declare; the kubelet fails the probe`);
    } else if (typeof port === 'number' && portNumberProblem(port)) {
      add('api/probe-handler', `${field}.port`, `container '${c.name}' ${kind} port ${port} ${portNumberProblem(port)}`);
    }
    if ((kind === 'livenessProbe' || kind === 'startupProbe') && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
      add('api/probe-handler', `${field}.successThreshold`, `container '${c.name}' ${kind} successThreshold must be 1`);
    }
  }
}
