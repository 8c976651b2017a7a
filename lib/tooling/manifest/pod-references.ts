/**
 * The objects a pod template names: ConfigMaps, Secrets, claims and its
 * ServiceAccount, each with the field that names it.
 */
import { allContainers, join, PodTemplateRef } from './pods';

/** An object a pod names: which kind, which name, and the field that names it. */
export interface PodReference {
  readonly kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'ServiceAccount';
  readonly name: string;
  readonly field: string;
  /** Marked optional in the pod spec: the pod starts without it. */
  readonly optional: boolean;
}

/** Kubernetes creates these in every namespace. */
export function madeByKubernetes(ref: Pick<PodReference, 'kind' | 'name'>): boolean {
  return (ref.kind === 'ServiceAccount' && ref.name === 'default') || (ref.kind === 'ConfigMap' && ref.name === 'kube-root-ca.crt');
}

/** Every ConfigMap, Secret, PVC and ServiceAccount the pod names; claim templates of its StatefulSet are not references. */
export function podReferences(pod: PodTemplateRef): PodReference[] {
  const out: PodReference[] = [];
  const claimTemplates = new Set<string>(((pod.record.manifest as any).spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name));
  const base = join(pod.path, 'spec');
  const add = (kind: PodReference['kind'], name: string | undefined, field: string, optional?: boolean) => {
    if (name) out.push({ kind, name, field, optional: optional === true });
  };
  add('ServiceAccount', pod.spec.serviceAccountName, join(base, 'serviceAccountName'));
  (pod.spec.imagePullSecrets ?? []).forEach((s, i) => add('Secret', s.name, join(base, `imagePullSecrets[${i}].name`)));
  (pod.spec.volumes ?? []).forEach((v, i) => {
    const at = join(base, `volumes[${i}]`);
    if (v.configMap) add('ConfigMap', v.configMap.name, join(at, 'configMap.name'), v.configMap.optional);
    if (v.secret) add('Secret', v.secret.secretName, join(at, 'secret.secretName'), v.secret.optional);
    if (v.persistentVolumeClaim && !claimTemplates.has(v.persistentVolumeClaim.claimName)) add('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, join(at, 'persistentVolumeClaim.claimName'));
    (v.projected?.sources ?? []).forEach((s: any, j: number) => {
      if (s.configMap) add('ConfigMap', s.configMap.name, join(at, `projected.sources[${j}].configMap.name`), s.configMap.optional);
      if (s.secret) add('Secret', s.secret.name, join(at, `projected.sources[${j}].secret.name`), s.secret.optional);
    });
  });
  for (const { container: c, field } of allContainers(pod.spec)) {
    const at = join(base, field);
    (c.env ?? []).forEach((e, i) => {
      const ref = e.valueFrom;
      if (ref?.configMapKeyRef) add('ConfigMap', ref.configMapKeyRef.name, join(at, `env[${i}].valueFrom.configMapKeyRef.name`), ref.configMapKeyRef.optional);
      if (ref?.secretKeyRef) add('Secret', ref.secretKeyRef.name, join(at, `env[${i}].valueFrom.secretKeyRef.name`), ref.secretKeyRef.optional);
    });
    (c.envFrom ?? []).forEach((e, i) => {
      if (e.configMapRef) add('ConfigMap', e.configMapRef.name, join(at, `envFrom[${i}].configMapRef.name`), e.configMapRef.optional);
      if (e.secretRef) add('Secret', e.secretRef.name, join(at, `envFrom[${i}].secretRef.name`), e.secretRef.optional);
    });
  }
  return out;
}
