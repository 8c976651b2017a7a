/**
 * Changes the API server refuses on an existing object, each with why and
 * the commands that make the change safely. Which fields are immutable is
 * Kubernetes' own validation (apps, batch, core), not a guess.
 */
import { ANNOTATION } from '../../vocabulary/annotations';
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

// ValidateStatefulSetUpdate up to at least 1.31 (kubernetes#130263 quotes it on v1.31.4): revisionHistoryLimit is
// not in the list; only newer servers accept its change, and the project targets 1.27.
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
// ValidateJobSpecUpdate: manualSelector is not checked; completions and template have their own rules below.
const JOB_IMMUTABLE = ['selector', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'successPolicy', 'managedBy'];
const PVC_MUTABLE_PATHS = [/^spec\.resources\.requests\.storage$/, /^spec\.volumeAttributesClassName$/];
/**
 * What validatePodTemplateUpdate lets change on a Job with AllowMutableSchedulingDirectives (strategy.go: the old
 * Job is suspended and never started): node affinity, nodeSelector, tolerations, template labels and annotations,
 * schedulingGates.
 */
const JOB_SCHEDULING_PATHS = /^spec\.template\.(metadata\.(labels|annotations)|spec\.(nodeSelector|tolerations|schedulingGates|affinity\.nodeAffinity))\b/;
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
    // Under OrderedReady the new StatefulSet creates ordinal 0 first and waits for it: an orphan still holding
    // that name blocks every other ordinal, so the replacement goes from 0 upward (it suits Parallel too).
    notes.push('the new selector does not adopt the old pods, so replace them one at a time from ordinal 0 upward (the new StatefulSet creates -0 first)');
    for (let i = 0; i < replicas; i++) steps.push(`kubectl delete pod ${name}-${i} ${ns} && kubectl wait --for=condition=Ready pod/${name}-${i} ${ns} --timeout=10m`);
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
  if (kind === 'DaemonSet') {
    // Orphaned, the old pods keep running (a log shipper keeps shipping) until the new ones are ready on every node.
    const old = selectorArg((s.before as any).spec?.selector);
    return {
      fields,
      reason: `a DaemonSet's selector is immutable (apps/v1); orphan its pods so they keep running while the new DaemonSet starts its own on every node, then remove them`,
      steps: [`old=$(kubectl get pods ${ns} -l '${old}' -o name)`, `kubectl delete daemonset ${name} ${ns} --cascade=orphan`, APPLY, `kubectl rollout status daemonset/${name} ${ns}`, `kubectl delete ${ns} $old`],
    };
  }
  return { fields, reason: `a ${kind}'s selector is immutable (apps/v1); it must be deleted and created again, with a gap while pods restart`, steps: [`kubectl delete ${kind.toLowerCase()} ${name} ${ns}`, APPLY] };
}

/** Whether two affinities differ in more than nodeAffinity. */
function beyondNodeAffinity(before: any, after: any): boolean {
  const rest = (a: any) => JSON.stringify(Object.entries(a ?? {}).filter(([k]) => k !== 'nodeAffinity').sort(([x], [y]) => (x < y ? -1 : 1)));
  return rest(before) !== rest(after);
}

function job(s: Subject): Refusal | undefined {
  const fields = specFields(s.changes, { immutable: JOB_IMMUTABLE });
  const spec = (s.after as any).spec ?? {};
  const old = (s.before as any).spec ?? {};
  // validateCompletions: an Indexed Job may change completions in tandem with parallelism (elastic, beta in 1.27).
  if (s.changes.some((c) => c.path === 'spec.completions') && !(spec.completionMode === 'Indexed' && spec.completions !== undefined && spec.completions === spec.parallelism)) fields.push('spec.completions');
  const template = s.changes.filter((c) => c.path.startsWith('spec.template'));
  // Scheduling directives of a suspended Job may change; the plan cannot see status.startTime, so that is a risk, not a refusal.
  const schedulingOnly = old.suspend === true && template.every((c) => JOB_SCHEDULING_PATHS.test(c.path) || (c.path === 'spec.template.spec.affinity' && !beyondNodeAffinity(c.before, c.after)));
  if (!schedulingOnly) fields.push(...template.map((c) => c.path));
  if (fields.length === 0) return undefined;
  return {
    fields,
    reason: `a Job's selector, completionMode, podFailurePolicy, backoffLimitPerIndex, successPolicy and managedBy are immutable, its completions too unless it is Indexed and they change with parallelism, and its pod template unless it is suspended and has never started (then only scheduling directives may change); a changed Job is a new Job, so give it a new name (Migration and KafkaTopic name theirs by a hash of the spec) or delete the old one once it has finished`,
    steps: [`kubectl delete job ${nameOf(s)} ${nsFlag(s)}`, APPLY],
  };
}

const isHeadless = (m: Manifest) => (m as any).spec?.clusterIP === 'None';
const serviceType = (m: Manifest) => (m as any).spec?.type ?? 'ClusterIP';

function service(s: Subject): Refusal | undefined {
  const [name, ns] = [nameOf(s), nsFlag(s)];
  const recreate = [`kubectl delete service ${name} ${ns}`, APPLY];
  const ip = s.changes.filter((c) => /^spec\.clusterIPs?\b/.test(c.path));
  // patchAllocatedValues copies clusterIP None back when the new object has none: accepted, and nothing changes.
  if (ip.length > 0 && isHeadless(s.before) && (s.after as any).spec?.clusterIP === undefined && ip.every((c) => c.after === undefined)) {
    return {
      fields: ip.map((c) => c.path),
      reason: `removing clusterIP: None from a headless Service is not refused but silently ignored: the API server keeps None (patchAllocatedValues), so the Service stays headless; recreate it to get a cluster IP, and clients see connection errors until it is back`,
      steps: recreate,
    };
  }
  const fields = ip.map((c) => c.path);
  const why: string[] = [];
  if (fields.length > 0) why.push(`a Service's clusterIP cannot change once set (e.g. to headless 'None')`);
  // validateUpgradeDowngradeIPFamilies: families stated on both sides may not change; headless and ExternalName are exempt.
  const families = [(s.before as any).spec?.ipFamilies, (s.after as any).spec?.ipFamilies];
  const exempt = isHeadless(s.before) || isHeadless(s.after) || serviceType(s.before) === 'ExternalName' || serviceType(s.after) === 'ExternalName';
  if (!exempt && Array.isArray(families[0]) && Array.isArray(families[1]) && families[0].slice(0, families[1].length).some((f: string, i: number) => f !== families[1][i])) {
    fields.push('spec.ipFamilies');
    why.push(`its ipFamilies may not change once set (${formatValue(families[0])} to ${formatValue(families[1])})`);
  }
  // validateLoadBalancerClassField: immutable while the Service is a LoadBalancer before and after.
  const classes = [(s.before as any).spec?.loadBalancerClass, (s.after as any).spec?.loadBalancerClass];
  if (serviceType(s.before) === 'LoadBalancer' && serviceType(s.after) === 'LoadBalancer' && classes[0] !== classes[1]) {
    fields.push('spec.loadBalancerClass');
    why.push(`a LoadBalancer's loadBalancerClass may not change once set (${formatValue(classes[0])} to ${formatValue(classes[1])}); the new class provisions a new load balancer, with a new address`);
  }
  if (fields.length === 0) return undefined;
  return { fields, reason: `${why.join('; ')}; recreate it, and clients see connection errors until it is back`, steps: recreate };
}

function claim(s: Subject): Refusal | undefined {
  // ValidatePersistentVolumeClaimUpdate accepts storageClassName unset -> set (retroactive default StorageClass, on since 1.26).
  const classFromNone = (c: FieldChange) => c.path === 'spec.storageClassName' && c.before === undefined;
  const fields = s.changes.filter((c) => c.path.startsWith('spec') && !PVC_MUTABLE_PATHS.some((p) => p.test(c.path)) && !classFromNone(c)).map((c) => c.path);
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

/** The changes among `changes` at exactly these top-level paths (or below them). */
function at(changes: readonly FieldChange[], paths: RegExp): string[] {
  return changes.filter((c) => paths.test(c.path)).map((c) => c.path);
}

function priorityClass(s: Subject): Refusal | undefined {
  // scheduling validation: value and preemptionPolicy may not be changed in an update.
  const fields = at(s.changes, /^(value|preemptionPolicy)$/);
  if (fields.length === 0) return undefined;
  return {
    fields,
    reason: `a PriorityClass's value and preemptionPolicy are immutable; running pods keep the priority they were admitted with, and pods created between the delete and the apply are refused (their class is missing)`,
    steps: [`kubectl delete priorityclass ${nameOf(s)}`, APPLY],
  };
}

function roleBinding(s: Subject): Refusal | undefined {
  const fields = at(s.changes, /^roleRef\b/);
  if (fields.length === 0) return undefined;
  const ns = s.after.kind === 'RoleBinding' ? ` ${nsFlag(s)}` : '';
  return {
    fields,
    reason: `a ${s.after.kind}'s roleRef cannot change (rbac validation: "cannot change roleRef"); its subjects lose the old permissions between the delete and the apply`,
    steps: [`kubectl delete ${s.after.kind.toLowerCase()} ${nameOf(s)}${ns}`, APPLY],
  };
}

/** ValidateConfigMapUpdate / ValidateSecretUpdate: immutable objects keep their data and stay immutable; a Secret keeps its type. */
function configData(s: Subject): Refusal | undefined {
  const fields: string[] = [];
  const why: string[] = [];
  if (s.after.kind === 'Secret' && ((s.before as any).type ?? 'Opaque') !== ((s.after as any).type ?? 'Opaque')) {
    fields.push('type');
    why.push(`a Secret's type is immutable (${formatValue((s.before as any).type ?? 'Opaque')} to ${formatValue((s.after as any).type ?? 'Opaque')})`);
  }
  if ((s.before as any).immutable === true) {
    const frozen = at(s.changes, /^(immutable|data|binaryData|stringData)\b/);
    if (frozen.length > 0) {
      fields.push(...frozen);
      why.push(`a ${s.after.kind} with immutable: true keeps its data and stays immutable; pods that mount it keep the old content until they restart`);
    }
  }
  if (fields.length === 0) return undefined;
  return { fields, reason: `${why.join('; ')}; better give the new content a new name (the pods then roll to it), or recreate it`, steps: [`kubectl delete ${s.after.kind.toLowerCase()} ${nameOf(s)} ${nsFlag(s)}`, APPLY] };
}

const RULES: Record<string, (s: Subject) => Refusal | undefined> = {
  PriorityClass: priorityClass,
  RoleBinding: roleBinding,
  ClusterRoleBinding: roleBinding,
  ConfigMap: configData,
  Secret: configData,
  StatefulSet: statefulSet,
  Deployment: selectorOnly,
  DaemonSet: selectorOnly,
  ReplicaSet: selectorOnly,
  Job: job,
  Service: service,
  PersistentVolumeClaim: claim,
  StorageClass: storageClass,
};

/** A value the object declares fixed for its life (ANNOTATION.fixedForLife), changed: refused with the object's own steps. */
function fixedForLife(s: Subject): Refusal | undefined {
  const was = s.before.metadata.annotations?.[ANNOTATION.fixedForLife];
  const now = s.after.metadata.annotations?.[ANNOTATION.fixedForLife];
  if (was === undefined || was === now) return undefined;
  const steps = s.after.metadata.annotations?.[ANNOTATION.fixedForLifeSteps] ?? s.before.metadata.annotations?.[ANNOTATION.fixedForLifeSteps];
  return {
    fields: [`metadata.annotations.${ANNOTATION.fixedForLife}`],
    reason: `${s.after.kind} ${nameOf(s)} declares this fixed for its life: ${was} -> ${now ?? '(removed)'}; the API server would accept it, the software it runs cannot`,
    steps: steps ? [steps] : [],
  };
}

export function refusal(subject: Subject): Refusal | undefined {
  return fixedForLife(subject) ?? RULES[subject.after.kind]?.(subject);
}

