/**
 * Changes the API server refuses on an existing object, each with why and
 * the commands that make the change safely. Which fields are immutable is
 * Kubernetes' own validation (apps, batch, core), not a guess.
 */
import { parseQuantity } from '../../vocabulary/quantity';
import { Manifest } from '../manifest/manifest';
import { namespaceOf } from '../manifest/pods';
import { FieldChange, formatValue } from './diff';

export interface Refusal {
  /** The fields whose change is refused. */
  readonly fields: string[];
  readonly reason: string;
  /** Commands, in order; `APPLY` stands for the app's apply command. */
  readonly steps: string[];
}

/** Stand for the app's apply command with and without pruning; the plan fills them in. */
export const APPLY = '<apply>';
export const APPLY_NO_PRUNE = '<apply without prune>';

/** One changed object: its two versions and their differences. */
export interface Subject {
  readonly before: Manifest;
  readonly after: Manifest;
  readonly changes: readonly FieldChange[];
}

const nameOf = (s: Subject) => s.after.metadata.name ?? '';
const nsFlag = (s: Subject) => `-n ${namespaceOf(s.after)}`;
const replicasOf = (m: Manifest) => Number((m as any).spec?.replicas ?? 1);

function claimTemplates(m: Manifest): Map<string, { storage?: string; storageClass?: string }> {
  return new Map((((m as any).spec?.volumeClaimTemplates ?? []) as any[]).map((t) => [t.metadata?.name, { storage: t.spec?.resources?.requests?.storage, storageClass: t.spec?.storageClassName }]));
}

/** Fields under `spec` whose change is refused: all but the listed ones, or exactly the listed ones. */
function specFields(changes: readonly FieldChange[], rule: { mutable: string[] } | { immutable: string[] }): string[] {
  const top = (path: string) => /^spec\.([^.[]+)/.exec(path)?.[1];
  return changes
    .filter((c) => {
      const field = top(c.path);
      if (!field) return false;
      return 'mutable' in rule ? !rule.mutable.includes(field) : rule.immutable.includes(field);
    })
    .map((c) => c.path);
}

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const JOB_IMMUTABLE = ['template', 'selector', 'completions', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'successPolicy', 'manualSelector', 'managedBy'];
const PVC_MUTABLE_PATHS = [/^spec\.resources\.requests\.storage$/, /^spec\.volumeAttributesClassName$/];
const STORAGECLASS_IMMUTABLE = /^(provisioner|parameters|reclaimPolicy|volumeBindingMode)\b/;

function selectorArg(selector: any): string {
  return Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

/** A size in bytes, or undefined where the manifest has none (or not a quantity: the gate reports that). */
function storageBytes(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return parseQuantity('plan', 'storage', q);
  } catch {
    return undefined;
  }
}

function statefulSet(s: Subject): Refusal | undefined {
  const fields = specFields(s.changes, { mutable: STATEFULSET_MUTABLE });
  if (fields.length === 0) return undefined;
  const [name, ns, replicas] = [nameOf(s), nsFlag(s), replicasOf(s.after)];
  // The recreated StatefulSet adopts the orphaned pods, so nothing restarts unless its template changed too.
  const steps = [`kubectl delete statefulset ${name} ${ns} --cascade=orphan   # pods and claims keep running`, APPLY];
  const notes: string[] = [];
  if (fields.some((f) => f.startsWith('spec.selector'))) {
    notes.push('the new selector does not adopt the old pods, so replace them one at a time');
    for (let i = replicas - 1; i >= 0; i--) steps.push(`kubectl delete pod ${name}-${i} ${ns} && kubectl wait --for=condition=Ready pod/${name}-${i} ${ns} --timeout=10m`);
  }
  if (fields.some((f) => f.startsWith('spec.volumeClaimTemplates'))) {
    notes.push('existing claims are not changed by a new template');
    const oldClaims = claimTemplates(s.before);
    for (const [claim, c] of claimTemplates(s.after)) {
      const old = oldClaims.get(claim);
      if (!old) continue;
      const was = storageBytes(old.storage);
      const now = storageBytes(c.storage);
      if (old.storageClass !== c.storageClass) notes.push(`claim template '${claim}' moves from storage class ${formatValue(old.storageClass)} to ${formatValue(c.storageClass)}: existing volumes stay where they are, so their data must be copied to new claims`);
      if (was !== undefined && now !== undefined && now < was) notes.push(`claim template '${claim}' shrinks from ${old.storage} to ${c.storage}: volumes cannot shrink; copy the data to new, smaller claims`);
      if (was !== undefined && now !== undefined && now > was) {
        notes.push(`grow each claim of '${claim}' (its StorageClass needs allowVolumeExpansion: true)`);
        for (let i = 0; i < replicas; i++) steps.push(`kubectl patch pvc ${claim}-${name}-${i} ${ns} -p '{"spec":{"resources":{"requests":{"storage":"${c.storage}"}}}}'`);
      }
    }
  }
  return { fields, reason: `a StatefulSet's spec may only change in ${STATEFULSET_MUTABLE.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}`, steps };
}

function selectorOnly(s: Subject): Refusal | undefined {
  const fields = specFields(s.changes, { immutable: ['selector'] });
  if (fields.length === 0) return undefined;
  const [kind, name, ns] = [s.after.kind, nameOf(s), nsFlag(s)];
  if (kind === 'Deployment') {
    const old = selectorArg((s.before as any).spec?.selector);
    return {
      fields,
      reason: `a Deployment's selector is immutable (apps/v1); orphan the old ReplicaSets so their pods keep serving while the new Deployment rolls out`,
      steps: [`old=$(kubectl get replicaset ${ns} -l '${old}' -o name)`, `kubectl delete deployment ${name} ${ns} --cascade=orphan`, APPLY, `kubectl rollout status deployment/${name} ${ns}`, `kubectl delete ${ns} $old`],
    };
  }
  return { fields, reason: `a ${kind}'s selector is immutable (apps/v1); it must be deleted and created again, with a gap while pods restart`, steps: [`kubectl delete ${kind.toLowerCase()} ${name} ${ns}`, APPLY] };
}

function job(s: Subject): Refusal | undefined {
  const fields = specFields(s.changes, { immutable: JOB_IMMUTABLE });
  if (fields.length === 0) return undefined;
  return {
    fields,
    reason: `a Job's pod template, selector and completions are immutable; a changed Job is a new Job, so give it a new name (Migration and KafkaTopic name theirs by a hash of the spec) or delete the old one once it has finished`,
    steps: [`kubectl delete job ${nameOf(s)} ${nsFlag(s)}`, APPLY],
  };
}

function service(s: Subject): Refusal | undefined {
  const fields = s.changes.filter((c) => /^spec\.clusterIPs?\b/.test(c.path)).map((c) => c.path);
  if (fields.length === 0) return undefined;
  return {
    fields,
    reason: `a Service's clusterIP cannot change once set (e.g. to or from headless 'None'); recreate it, and clients see connection errors until it is back`,
    steps: [`kubectl delete service ${nameOf(s)} ${nsFlag(s)}`, APPLY],
  };
}

function claim(s: Subject): Refusal | undefined {
  const fields = s.changes.filter((c) => c.path.startsWith('spec') && !PVC_MUTABLE_PATHS.some((p) => p.test(c.path))).map((c) => c.path);
  const was = storageBytes((s.before as any).spec?.resources?.requests?.storage);
  const now = storageBytes((s.after as any).spec?.resources?.requests?.storage);
  const shrinks = was !== undefined && now !== undefined && now < was;
  if (shrinks) fields.push('spec.resources.requests.storage');
  if (fields.length === 0) return undefined;
  const why: string[] = [];
  if (shrinks) why.push(`the claim would shrink from ${(s.before as any).spec.resources.requests.storage} to ${(s.after as any).spec.resources.requests.storage}, and volumes cannot shrink`);
  if (fields.some((f) => f.startsWith('spec.storageClassName'))) why.push('its storage class would change, but a bound volume stays where it is');
  why.push('a claim only allows its size to grow; copy the data to a new claim with another name, then switch the pods to it');
  return { fields, reason: why.join('; '), steps: [`kubectl get pvc ${nameOf(s)} ${nsFlag(s)} -o wide   # note the volume before anything else`] };
}

function storageClass(s: Subject): Refusal | undefined {
  const fields = s.changes.filter((c) => STORAGECLASS_IMMUTABLE.test(c.path)).map((c) => c.path);
  if (fields.length === 0) return undefined;
  return { fields, reason: `a StorageClass's provisioner, parameters, reclaimPolicy and volumeBindingMode are immutable; existing volumes keep the old ones`, steps: [`kubectl delete storageclass ${nameOf(s)}`, APPLY] };
}

const RULES: Record<string, (s: Subject) => Refusal | undefined> = {
  StatefulSet: statefulSet,
  Deployment: selectorOnly,
  DaemonSet: selectorOnly,
  ReplicaSet: selectorOnly,
  Job: job,
  Service: service,
  PersistentVolumeClaim: claim,
  StorageClass: storageClass,
};

export function refusal(subject: Subject): Refusal | undefined {
  return RULES[subject.after.kind]?.(subject);
}

