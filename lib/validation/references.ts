/**
 * References: every ConfigMap, Secret, PersistentVolumeClaim and
 * ServiceAccount a pod names exists in the same output, or is declared
 * external on the pod template (and then listed in the summary); every
 * volume a container mounts is a volume of its pod.
 */
import { ANNOTATION } from '../annotations';
import { ManifestRecord } from '../synth/manifest';
import { Finding, finding } from './finding';
import { allContainers, join, namespaceOf, PodTemplateRef } from './pods';

export interface ReferenceResult {
  readonly findings: Finding[];
  /** `Kind/namespace/name` of objects declared external, with who needs them. */
  readonly external: { readonly ref: string; readonly usedBy: string }[];
}

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

export function checkReferences(records: readonly ManifestRecord[], pods: readonly PodTemplateRef[]): ReferenceResult {
  const present = new Set<string>();
  for (const r of records) {
    const ns = namespaceOf(r.manifest);
    present.add(`${r.manifest.kind}/${ns}/${r.manifest.metadata?.name}`);
    if (r.manifest.kind === 'ExternalSecret') {
      present.add(`Secret/${ns}/${(r.manifest as any).spec?.target?.name ?? r.manifest.metadata?.name}`);
    }
  }
  const findings: Finding[] = [];
  const external: { ref: string; usedBy: string }[] = [];
  for (const pod of pods) {
    const ns = namespaceOf(pod.record.manifest);
    const declared = new Set((pod.annotations[ANNOTATION.externalRefs] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    for (const { kind, name, field, optional } of podReferences(pod)) {
      if (optional || madeByKubernetes({ kind, name })) continue;
      if (present.has(`${kind}/${ns}/${name}`)) continue;
      if (declared.has(`${kind}/${name}`)) {
        external.push({ ref: `${kind}/${ns}/${name}`, usedBy: `${pod.record.manifest.kind}/${ns}/${pod.record.manifest.metadata?.name}` });
        continue;
      }
      findings.push(finding(pod.record, 'references/exists', field, `${kind} '${name}' is not in the output; add it, or declare it external with the ${ANNOTATION.externalRefs} annotation and create it out of band`));
    }
    const claimTemplates = ((pod.record.manifest as any).spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name as string);
    const volumeNames = new Set([...(pod.spec.volumes ?? []).map((v) => v.name), ...claimTemplates]);
    for (const { container: c, field } of allContainers(pod.spec)) {
      const at = join(join(pod.path, 'spec'), field);
      (c.volumeMounts ?? []).forEach((m, i) => {
        if (!volumeNames.has(m.name)) {
          findings.push(finding(pod.record, 'references/volume-mount', join(at, `volumeMounts[${i}].name`), `container '${c.name}' mounts '${m.name}', which is not a volume of the pod; add the volume or fix the name`));
        }
      });
    }
  }
  for (const r of records.filter((x) => x.manifest.kind === 'StatefulSet')) {
    const serviceName = (r.manifest as any).spec?.serviceName;
    const svc = records.find((x) => x.manifest.kind === 'Service' && x.manifest.metadata?.name === serviceName && namespaceOf(x.manifest) === namespaceOf(r.manifest));
    if (serviceName && !svc) findings.push(finding(r, 'references/exists', 'spec.serviceName', `Service '${serviceName}' is not in the output; a StatefulSet needs its headless Service`));
    else if (svc && (svc.manifest as any).spec?.clusterIP !== 'None') findings.push(finding(r, 'references/headless', 'spec.serviceName', `Service '${serviceName}' is not headless (clusterIP: None); members get no stable DNS names`));
  }
  const unique = new Map(external.map((e) => [`${e.ref}<-${e.usedBy}`, e]));
  return { findings, external: [...unique.values()] };
}
