/**
 * References: every ConfigMap, Secret, PersistentVolumeClaim and
 * ServiceAccount a pod names exists in the same output, or is declared
 * external on the pod template (and then listed in the summary); every
 * volume a container mounts is a volume of its pod.
 */
import { ANNOTATION } from '../../vocabulary/annotations';
import { ManifestRecord } from '../manifest/manifest';
import { madeByKubernetes, podReferences } from '../manifest/pod-references';
import { Finding, finding } from './finding';
import { allContainers, join, namespaceOf, PodTemplateRef } from '../manifest/pods';

export interface ReferenceResult {
  readonly findings: Finding[];
  /** `Kind/namespace/name` of objects declared external, with who needs them. */
  readonly external: { readonly ref: string; readonly usedBy: string }[];
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
