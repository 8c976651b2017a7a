/**
 * ApplySet rules: what kubectl would refuse, or would prune wrongly, when a
 * file is applied with `--applyset`. A file has at most one parent; the
 * parent's id is its own; its kinds cover the file; no member carries the
 * part-of label (kubectl adds it and refuses input that has it).
 */
import { APPLYSET, applySetId, groupKind, isApplySetParent } from '../manifest/applyset';
import { ManifestRecord } from '../manifest/manifest';
import { Finding, finding } from './finding';
import { pushTo } from '../manifest/pods';

export function checkApplySets(records: readonly ManifestRecord[]): Finding[] {
  const out: Finding[] = [];
  const byFile = new Map<string, ManifestRecord[]>();
  for (const r of records) pushTo(byFile, r.file, r);
  for (const [file, inFile] of byFile) {
    for (const r of inFile) {
      if (r.manifest.metadata?.labels?.[APPLYSET.partOf] !== undefined) {
        out.push(finding(r, 'applyset/member-label', `metadata.labels.${APPLYSET.partOf}`, `kubectl sets this label itself and refuses input that has it ("ApplySet label already set in input data"); remove it`));
      }
    }
    const parents = inFile.filter((r) => isApplySetParent(r.manifest));
    if (parents.length > 1) {
      for (const p of parents.slice(1)) out.push(finding(p, 'applyset/one-parent', `metadata.labels.${APPLYSET.id}`, `${file} has ${parents.length} ApplySet parents; one apply uses one parent, so keep one per file`));
    }
    for (const p of parents) {
      const m = p.manifest;
      if (!['ConfigMap', 'Secret'].includes(m.kind) || m.apiVersion !== 'v1') {
        out.push(finding(p, 'applyset/parent-kind', 'kind', `kubectl only creates ConfigMap and Secret parents by itself; use a ConfigMap`));
      }
      const want = applySetId(m);
      if (m.metadata.labels?.[APPLYSET.id] !== want) {
        out.push(finding(p, 'applyset/parent-id', `metadata.labels.${APPLYSET.id}`, `is '${m.metadata.labels?.[APPLYSET.id]}', but kubectl derives '${want}' from the parent's name, namespace and kind and refuses any other; use that value`));
      }
      const annotations = m.metadata.annotations ?? {};
      if (!(annotations[APPLYSET.tooling] ?? '').startsWith('kubectl/')) {
        out.push(finding(p, 'applyset/tooling', `metadata.annotations.${APPLYSET.tooling}`, `must be 'kubectl/<version>', or kubectl refuses the existing parent as managed by another tool`));
      }
      const listed = new Set((annotations[APPLYSET.groupKinds] ?? '').split(',').filter(Boolean));
      const missing = [...new Set(inFile.map((r) => groupKind(r.manifest)))].filter((gk) => !listed.has(gk)).sort();
      if (missing.length > 0) {
        out.push(finding(p, 'applyset/group-kinds', `metadata.annotations.${APPLYSET.groupKinds}`, `does not list ${missing.join(', ')}, which the file contains; objects of those kinds would never be pruned, so add them`));
      }
    }
  }
  return out;
}
