/**
 * Changes the API server accepts but that can lose data or take a service
 * down: replicas to 0, replicas handed to an autoscaler the naive way, and
 * pruning what is still needed (a referenced Secret or ConfigMap, a claim, a
 * namespace, a StatefulSet).
 */
import { describe, Manifest, ManifestRecord } from '../manifest/manifest';
import { namespaceOf, podTemplate } from '../manifest/pods';
import { podReferences } from '../manifest/pod-references';
import { APPLY, APPLY_NO_PRUNE } from './immutable';

export interface Risk {
  readonly object: string;
  readonly reason: string;
  readonly steps: string[];
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** Risks of a changed object. */
export function changeRisks(before: Manifest, after: Manifest): Risk[] {
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
