/**
 * The Pod Security Standards (baseline and restricted controls), checked per
 * pod template at pod and container level. A pod-level runAsNonRoot or
 * seccomp profile satisfies its containers, as in the admission controller.
 */
import { ANNOTATION } from '../../vocabulary/annotations';
import { PodSecurityLevel } from '../../vocabulary/pod-security-level';
import { Finding, finding } from './finding';
import { allContainers, join, PodTemplateRef } from '../manifest/pods';

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

export function checkPodSecurity(pod: PodTemplateRef, level: PodSecurityLevel): Finding[] {
  if (level === PodSecurityLevel.PRIVILEGED) return [];
  const out: Finding[] = [];
  const add = (control: string, field: string, message: string) =>
    out.push(finding(pod.record, `pss-baseline/${control}`, field, message));
  const spec = pod.spec;
  const base = join(pod.path, 'spec');
  const psc = spec.securityContext ?? {};

  // Baseline.
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[ns] === true) add('host-namespaces', join(base, ns), `${ns} shares the node's namespace; remove it`);
  }
  if (psc.windowsOptions?.hostProcess === true) add('host-process', join(base, 'securityContext.windowsOptions.hostProcess'), 'HostProcess pods are forbidden');
  (spec.volumes ?? []).forEach((v, i) => {
    if (v.hostPath) add('host-path-volumes', join(base, `volumes[${i}].hostPath`), `volume '${v.name}' mounts a host path; use an emptyDir, a ConfigMap or a PersistentVolumeClaim`);
  });
  (psc.sysctls ?? []).forEach((s: { name: string }, i: number) => {
    if (!SAFE_SYSCTLS.has(s.name)) add('sysctls', join(base, `securityContext.sysctls[${i}].name`), `sysctl '${s.name}' is not in the safe set`);
  });
  checkSeLinux(psc.seLinuxOptions, join(base, 'securityContext.seLinuxOptions'), add);
  if (psc.seccompProfile?.type === 'Unconfined') add('seccomp', join(base, 'securityContext.seccompProfile.type'), "seccomp profile 'Unconfined' is forbidden; use RuntimeDefault");
  if (psc.appArmorProfile?.type === 'Unconfined') add('apparmor', join(base, 'securityContext.appArmorProfile.type'), "AppArmor profile 'Unconfined' is forbidden");
  for (const [key, value] of Object.entries(pod.annotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add('apparmor', join(pod.path, `metadata.annotations.${key}`), `AppArmor profile '${value}' is forbidden; use runtime/default`);
    }
  }
  for (const { container: c, field } of allContainers(spec)) {
    const at = join(base, field);
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) add('privileged', join(at, 'securityContext.privileged'), `container '${c.name}' is privileged; remove privileged: true`);
    if (sc.windowsOptions?.hostProcess === true) add('host-process', join(at, 'securityContext.windowsOptions.hostProcess'), 'HostProcess containers are forbidden');
    for (const cap of sc.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) add('capabilities', join(at, 'securityContext.capabilities.add'), `capability ${cap} is not allowed at baseline`);
    }
    (c.ports ?? []).forEach((p, i) => {
      if (p.hostPort) add('host-ports', join(at, `ports[${i}].hostPort`), `hostPort ${p.hostPort} binds the node's port; remove it and use a Service`);
    });
    if (sc.procMount && sc.procMount !== 'Default') add('proc-mount', join(at, 'securityContext.procMount'), `procMount '${sc.procMount}' is forbidden`);
    checkSeLinux(sc.seLinuxOptions, join(at, 'securityContext.seLinuxOptions'), add);
    if (sc.seccompProfile?.type === 'Unconfined') add('seccomp', join(at, 'securityContext.seccompProfile.type'), "seccomp profile 'Unconfined' is forbidden; use RuntimeDefault");
    if (sc.appArmorProfile?.type === 'Unconfined') add('apparmor', join(at, 'securityContext.appArmorProfile.type'), "AppArmor profile 'Unconfined' is forbidden");
  }
  if (level === PodSecurityLevel.BASELINE) return out;

  // Restricted.
  const radd = (control: string, field: string, message: string) => out.push(finding(pod.record, `pss-restricted/${control}`, field, message));
  (spec.volumes ?? []).forEach((v, i) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUMES.has(type)) radd('volume-types', join(base, `volumes[${i}]`), `volume '${v.name}' of type ${type} is not allowed; use configMap, secret, emptyDir, projected, downwardAPI, csi, ephemeral or persistentVolumeClaim`);
  });
  if (psc.runAsUser === 0) radd('run-as-non-root-user', join(base, 'securityContext.runAsUser'), 'runAsUser 0 is root; use a non-zero user id');
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(psc.seccompProfile?.type);
  for (const { container: c, field } of allContainers(spec)) {
    const at = join(base, field);
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) {
      radd('allow-privilege-escalation', join(at, 'securityContext.allowPrivilegeEscalation'), `container '${c.name}' must set allowPrivilegeEscalation: false`);
    }
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true)) {
      radd('run-as-non-root', join(at, 'securityContext.runAsNonRoot'), `container '${c.name}' must run with runAsNonRoot: true (at pod or container level)`);
    }
    if (sc.runAsUser === 0) radd('run-as-non-root-user', join(at, 'securityContext.runAsUser'), `container '${c.name}' runs as user 0; use a non-zero user id`);
    const seccomp = sc.seccompProfile?.type;
    if (!(['RuntimeDefault', 'Localhost'].includes(seccomp) || (seccomp === undefined && podSeccomp))) {
      radd('seccomp', join(at, 'securityContext.seccompProfile.type'), `container '${c.name}' needs seccompProfile RuntimeDefault or Localhost (at pod or container level)`);
    }
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) radd('capabilities', join(at, 'securityContext.capabilities.drop'), `container '${c.name}' must drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') radd('capabilities', join(at, 'securityContext.capabilities.add'), `container '${c.name}' may only add NET_BIND_SERVICE, not ${cap}`);
    }
  }
  return out;
}

function checkSeLinux(options: any, field: string, add: (control: string, field: string, message: string) => void): void {
  if (!options) return;
  if (!SELINUX_TYPES.has(options.type ?? '')) add('selinux', join(field, 'type'), `SELinux type '${options.type}' is not allowed`);
  if (options.user) add('selinux', join(field, 'user'), 'SELinux user may not be set');
  if (options.role) add('selinux', join(field, 'role'), 'SELinux role may not be set');
}

export interface NamespaceLevel {
  readonly level: PodSecurityLevel;
  /** Why it is lower than restricted, from the namespace's annotation. */
  readonly reason?: string;
}

/** The enforced level of a Namespace object: restricted unless labelled lower. */
export function namespaceLevel(namespace: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined): NamespaceLevel {
  const label = namespace?.metadata?.labels?.['pod-security.kubernetes.io/enforce'];
  const level = (label && PodSecurityLevel.byName(label)) || PodSecurityLevel.RESTRICTED;
  return { level, reason: namespace?.metadata?.annotations?.[ANNOTATION.podSecurityReason] };
}
