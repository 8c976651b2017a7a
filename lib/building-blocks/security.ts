/**
 * Pod Security Standards. Every pod is `restricted` unless its namespace
 * declares a lower level with a reason (see AppNamespace); the contexts are
 * written here, once, so that no construct can forget a field.
 */
import * as k8s from '../../imports/k8s';

/** The user and group a pod runs as. */
export interface PodSecurity {
  /** The numeric user id (the image's user). */
  readonly uid: number;
  /** The numeric group id, also the fsGroup that owns writable volumes. */
  readonly gid: number;
}

/**
 * Pod-level context: non-root, a non-zero user and group, RuntimeDefault
 * seccomp (which cdk8s-plus-27 cannot express), fsGroup for writable volumes.
 */
export function restrictedPodSecurityContext(p: PodSecurity): k8s.PodSecurityContext {
  return {
    // uid 0 only passes the construct checks in a namespace whose lowered level says why.
    runAsNonRoot: p.uid !== 0,
    runAsUser: p.uid,
    runAsGroup: p.gid,
    fsGroup: p.gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level context: repeats the pod's guarantees so that each container passes on its own. */
export function restrictedContainerSecurityContext(p: PodSecurity): k8s.SecurityContext {
  return {
    runAsNonRoot: p.uid !== 0,
    runAsUser: p.uid,
    runAsGroup: p.gid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
