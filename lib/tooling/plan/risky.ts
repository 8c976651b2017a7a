/**
 * Changes the API server accepts but that can lose data or take a service
 * down: replicas to 0, replicas handed to an autoscaler the naive way, and
 * pruning what is still needed (a referenced Secret or ConfigMap, a claim, a
 * namespace, a StatefulSet).
 */
import { describe, Manifest, ManifestRecord } from '../manifest/manifest';
import { namespaceOf, podTemplate } from '../manifest/pods';
import { podReferences } from '../manifest/pod-references';
import { parseQuantity } from '../../vocabulary/quantity';
import { APPLY, APPLY_NO_PRUNE } from './immutable';

export interface Risk {
  readonly object: string;
  readonly reason: string;
  readonly steps: string[];
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** Risks of a changed object; `synth` is the new synth, where a claim's StorageClass may be. */
export function changeRisks(before: Manifest, after: Manifest, synth: readonly ManifestRecord[] = []): Risk[] {
  if (after.kind === 'Job') return suspendedJobRisks(before, after);
  if (after.kind === 'PersistentVolumeClaim') return claimGrowthRisks(before, after, synth);
  if (!SCALABLE.has(after.kind)) return [];
  const was = (before as any).spec?.replicas;
  const now = (after as any).spec?.replicas;
  const object = describe(after);
  const ns = namespaceOf(after);
  if (now === 0 && was !== 0) {
    return [{ object, reason: `replicas drop from ${was ?? 1} to 0: every pod stops and the service is down until scaled up again`, steps: [] }];
  }
  if (typeof was === 'number' && now === undefined) {
    return [
      {
        object,
        reason: `spec.replicas (${was}) leaves the manifest, so kubectl apply resets it to 1 until an autoscaler scales up again; hand it over first`,
        steps: [`kubectl apply edit-last-applied ${after.kind.toLowerCase()}/${after.metadata.name} -n ${ns}   # delete spec.replicas there, then apply`],
      },
    ];
  }
  return [];
}

/**
 * A suspended Job's scheduling directives may change only if it never started (strategy.go:
 * AllowMutableSchedulingDirectives = suspended && notStarted); the plan cannot see status.startTime.
 * The refusal rule leaves exactly these template changes to this risk.
 */
function suspendedJobRisks(before: Manifest, after: Manifest): Risk[] {
  if ((before as any).spec?.suspend !== true) return [];
  if (JSON.stringify((before as any).spec?.template) === JSON.stringify((after as any).spec?.template)) return [];
  const [name, ns] = [after.metadata.name, namespaceOf(after)];
  return [{
    object: describe(after),
    reason: `the pod template's scheduling directives change on a suspended Job: the API server accepts that only if the Job has never started (status.startTime unset), which the plan cannot see; if it has started, the apply is refused`,
    steps: [`kubectl get job ${name} -n ${ns} -o jsonpath='{.status.startTime}'   # empty: apply as planned; a time: delete the Job first`],
  }];
}

/** Growing a claim needs a StorageClass with allowVolumeExpansion (the PersistentVolumeClaimResize admission plugin). */
function claimGrowthRisks(before: Manifest, after: Manifest, synth: readonly ManifestRecord[]): Risk[] {
  const size = (m: Manifest) => (m as any).spec?.resources?.requests?.storage;
  if (!(bytes(size(after)) > bytes(size(before)))) return [];
  const className: string | undefined = (after as any).spec?.storageClassName;
  const declared = synth.find((r) => r.manifest.kind === 'StorageClass' && r.manifest.metadata.name === className)?.manifest as any;
  if (declared?.allowVolumeExpansion === true) return [];
  const which = className ? `StorageClass ${className}` : 'the default StorageClass';
  return [{
    object: describe(after),
    reason: `the claim grows from ${size(before)} to ${size(after)}: the API server refuses that unless it is bound and ${which} has allowVolumeExpansion: true ("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"); local-path classes usually lack it`,
    steps: [className ? `kubectl get storageclass ${className} -o jsonpath='{.allowVolumeExpansion}'   # must print true` : `kubectl get storageclass   # the (default) class must have allowVolumeExpansion: true`],
  }];
}

/** A storage size in bytes, NaN when it is not a quantity (the gate reports that). */
function bytes(q: unknown): number {
  try {
    return typeof q === 'string' || typeof q === 'number' ? parseQuantity('plan', 'storage', q) : NaN;
  } catch {
    return NaN;
  }
}

function key(kind: string, ns: string, name: string): string {
  return `${kind}/${ns}/${name}`;
}

/** Who references each ConfigMap, Secret and PVC, by `Kind/namespace/name`. */
function referrers(records: readonly ManifestRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of records) {
    const pod = podTemplate(r);
    if (!pod) continue;
    const ns = namespaceOf(r.manifest);
    for (const ref of podReferences(pod)) {
      if (ref.optional || ref.kind === 'ServiceAccount') continue;
      const k = key(ref.kind, ns, ref.name);
      out.set(k, (out.get(k) ?? new Set()).add(describe(r.manifest)));
    }
  }
  return out;
}

/** Risks of objects that leave the code and would be pruned. */
export function removalRisks(removed: readonly Manifest[], before: readonly ManifestRecord[], after: readonly ManifestRecord[]): Risk[] {
  const out: Risk[] = [];
  const stillNeeded = referrers(after);
  const neededBefore = referrers(before);
  const present = new Set(after.map((r) => describe(r.manifest)));
  for (const m of removed) {
    const object = describe(m);
    const ns = namespaceOf(m);
    const k = key(m.kind, ns, m.metadata.name ?? '');
    if (m.kind === 'Secret' || m.kind === 'ConfigMap' || m.kind === 'PersistentVolumeClaim') {
      const users = [...(stillNeeded.get(k) ?? [])];
      if (users.length > 0) {
        out.push({ object, reason: `leaves the code but ${users.join(', ')} still use${users.length === 1 ? 's' : ''} it: pruning deletes it and their pods fail to start; create it outside the app first (and declare it external), or keep it in the code`, steps: [] });
        continue;
      }
      const oldUsers = [...(neededBefore.get(k) ?? [])].filter((u) => present.has(u));
      if (oldUsers.length > 0 && m.kind !== 'PersistentVolumeClaim') {
        out.push({
          object,
          reason: `the running pods of ${oldUsers.join(', ')} use it until their rollout finishes; pruning in the same apply breaks them if they restart`,
          steps: [APPLY_NO_PRUNE, ...oldUsers.map((u) => `kubectl rollout status ${u.split('/')[0].toLowerCase()}/${u.split('/')[2]} -n ${ns}`), APPLY],
        });
      }
    }
    if (m.kind === 'PersistentVolumeClaim') {
      out.push({ object, reason: `pruning deletes the claim; with the usual reclaimPolicy Delete its volume and data are gone`, steps: [`kubectl get pvc ${m.metadata.name} -n ${ns} -o jsonpath='{.spec.volumeName}'   # back up that volume, or set its reclaimPolicy to Retain`] });
    }
    if (m.kind === 'StatefulSet' && ((m as any).spec?.volumeClaimTemplates ?? []).length > 0) {
      out.push({ object, reason: `pruning deletes its pods; its claims stay behind (and are reused only by a StatefulSet of the same name)`, steps: [`kubectl get pvc -n ${ns}   # delete the claims yourself once the data is safe`] });
    }
    if (m.kind === 'Namespace') {
      out.push({ object, reason: `pruning a namespace deletes everything in it, including objects this project never made`, steps: [`kubectl get all,pvc,secret,configmap -n ${m.metadata.name}   # check what would go`] });
    }
  }
  return out;
}
