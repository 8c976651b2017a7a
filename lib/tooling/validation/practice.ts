/**
 * Production practice: what a reviewer would refuse in a pull request.
 * Rules that relate objects (PDBs, NetworkPolicies, Services) look within
 * the object's namespace.
 */
import { LABEL } from '../../vocabulary/labels';
import { ManifestRecord } from '../manifest/manifest';
import { Finding, finding } from './finding';
import { allContainers, join, namespaceOf, PodIndex, PodTemplateRef, pushTo } from '../manifest/pods';

export interface PracticeOptions {
  /** Require spread for workloads with 2+ replicas (production). */
  readonly requireSpread: boolean;
}

const RECOMMENDED = Object.values(LABEL);
const UNSTABLE_SELECTOR_KEYS = [LABEL.version, 'cdk8s.io/metadata.addr'];

/**
 * The rules about one object alone: its labels and selector, a Job's or CronJob's limits, and its pod's containers
 * (requests, memory limit, pinned image, a probe when long-running). A synth's helper thread checks these as objects
 * arrive (./index.ts ObjectChecker).
 */
export function checkObjectPractice(r: ManifestRecord, pod: PodTemplateRef | undefined): { object: Finding[]; pod: Finding[] } {
  const object: Finding[] = [];
  const labels = r.manifest.metadata?.labels ?? {};
  const missing = RECOMMENDED.filter((l) => !labels[l]);
  if (missing.length > 0) object.push(finding(r, 'labels/recommended', 'metadata.labels', `missing recommended labels: ${missing.join(', ')}`));
  const selector: any = (r.manifest as any).spec?.selector;
  const selectorLabels = selector?.matchLabels ?? (r.manifest.kind === 'Service' ? selector : undefined) ?? {};
  for (const key of UNSTABLE_SELECTOR_KEYS) {
    if (key in selectorLabels) object.push(finding(r, 'labels/stable-selector', 'spec.selector', `selector uses '${key}', which changes on upgrade or refactor and breaks the immutable selector; select by name, instance and component`));
  }
  checkBatch(r, object);
  const own: Finding[] = [];
  const base = pod && join(pod.path, 'spec');
  for (const { container: c, field, init } of pod ? allContainers(pod.spec) : []) {
    const at = join(base!, field);
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (requests.cpu === undefined || requests.memory === undefined) own.push(finding(pod!.record, 'resources/requests', join(at, 'resources.requests'), `container '${c.name}' needs cpu and memory requests`));
    if (limits.memory === undefined) own.push(finding(pod!.record, 'resources/memory-limit', join(at, 'resources.limits.memory'), `container '${c.name}' needs a memory limit`));
    const image = c.image ?? '';
    if (!/@sha256:/.test(image) && !/:[\w][\w.-]*$/.test(image.split('/').pop() ?? '')) own.push(finding(pod!.record, 'images/pinned', join(at, 'image'), `image '${image}' has no tag; pin a version`));
    else if (/:latest$/.test(image)) own.push(finding(pod!.record, 'images/pinned', join(at, 'image'), `image '${image}' uses 'latest'; pin a version`));
    if (init || !pod!.longRunning) continue;
    if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) own.push(finding(pod!.record, 'probes/long-running', join(at, 'livenessProbe'), `long-running container '${c.name}' has no probe`));
  }
  return { object, pod: own };
}

/**
 * Production practice over all objects: each object's own rules (`ownOf`: what checkObjectPractice found for it), then
 * the rules that relate objects in a namespace: a readiness probe behind a Service, a NetworkPolicy and a
 * PodDisruptionBudget for the pods, spread, and Services that select pods.
 */
export function checkPractice(records: readonly ManifestRecord[], pods: readonly PodTemplateRef[], options: PracticeOptions, ownOf: (record: ManifestRecord) => { object: readonly Finding[]; pod: readonly Finding[] }): Finding[] {
  const out: Finding[] = [];
  for (const r of records) out.push(...ownOf(r).object);
  const index = new PodIndex(pods);
  const ofKind = (kind: string) => records.filter((r) => r.manifest.kind === kind);
  // Relate each Service, NetworkPolicy and PDB to its pods once, through the index.
  const servicesOf = new Map<PodTemplateRef, ManifestRecord[]>();
  for (const svc of ofKind('Service')) {
    for (const pod of index.matching(namespaceOf(svc.manifest), (svc.manifest as any).spec?.selector)) pushTo(servicesOf, pod, svc);
  }
  const selectedBy = (kind: string, selectorOf: (spec: any) => any) =>
    new Set(ofKind(kind).flatMap((r) => index.matching(namespaceOf(r.manifest), selectorOf((r.manifest as any).spec ?? {}))));
  const policed = selectedBy('NetworkPolicy', (spec) => spec.podSelector ?? { matchLabels: {} });
  const budgeted = selectedBy('PodDisruptionBudget', (spec) => spec.selector);

  for (const pod of pods) {
    out.push(...ownOf(pod.record).pod);
    const ns = namespaceOf(pod.record.manifest);
    const base = join(pod.path, 'spec');
    const services = servicesOf.get(pod) ?? [];
    const servedPorts = new Set<string | number>(services.flatMap((s) => ((s.manifest as any).spec?.ports ?? []).map((p: any) => p.targetPort ?? p.port)));
    for (const { container: c, field, init } of servedPorts.size > 0 && pod.longRunning ? allContainers(pod.spec) : []) {
      if (init) continue;
      const behindService = (c.ports ?? []).some((p) => servedPorts.has(p.containerPort!) || (p.name !== undefined && servedPorts.has(p.name)));
      if (behindService && !c.readinessProbe) out.push(finding(pod.record, 'probes/readiness', join(join(base, field), 'readinessProbe'), `container '${c.name}' is behind a Service and needs a readiness probe`));
    }
    if (!policed.has(pod)) {
      out.push(finding(pod.record, 'network-policy/selected', join(pod.path, 'metadata.labels'), `no NetworkPolicy in namespace '${ns}' selects these pods; add a default-deny policy and allow rules`));
    }
    if ((pod.replicas ?? 0) >= 2) {
      if (!budgeted.has(pod)) {
        out.push(finding(pod.record, 'availability/pdb', 'spec.replicas', `${pod.replicas} replicas but no PodDisruptionBudget selects them; add one with maxUnavailable: 1`));
      }
      if (options.requireSpread && !pod.spec.topologySpreadConstraints?.length && !pod.spec.affinity?.podAntiAffinity) {
        out.push(finding(pod.record, 'availability/spread', join(base, 'topologySpreadConstraints'), `${pod.replicas} replicas without topology spread or anti-affinity; one node failure could take them all`));
      }
    }
  }

  for (const svc of ofKind('Service')) {
    const spec: any = (svc.manifest as any).spec ?? {};
    if (!spec.selector || spec.type === 'ExternalName') continue;
    const matching = index.matching(namespaceOf(svc.manifest), spec.selector).filter((p) => p.longRunning);
    if (matching.length === 0) {
      out.push(finding(svc, 'services/selector-matches', 'spec.selector', `selector ${JSON.stringify(spec.selector)} matches no pod template in namespace '${namespaceOf(svc.manifest)}'`));
      continue;
    }
    (spec.ports ?? []).forEach((p: any, i: number) => {
      if (typeof p.targetPort !== 'string') return;
      const named = matching.some((pod) => (pod.spec.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === p.targetPort)));
      if (!named) out.push(finding(svc, 'services/target-port', `spec.ports[${i}].targetPort`, `targetPort '${p.targetPort}' is not a named container port of the selected pods`));
    });
  }
  return out;
}

function checkBatch(r: ManifestRecord, out: Finding[]): void {
  const spec: any = (r.manifest as any).spec ?? {};
  if (r.manifest.kind === 'CronJob') {
    if (!spec.concurrencyPolicy) out.push(finding(r, 'batch/cron-concurrency', 'spec.concurrencyPolicy', 'set concurrencyPolicy (Forbid, unless runs may overlap)'));
    if (spec.startingDeadlineSeconds === undefined) out.push(finding(r, 'batch/cron-deadline', 'spec.startingDeadlineSeconds', 'set startingDeadlineSeconds, or missed runs pile up after an outage'));
    checkJobSpec(r, spec.jobTemplate?.spec ?? {}, 'spec.jobTemplate.spec', out);
  } else if (r.manifest.kind === 'Job') {
    checkJobSpec(r, spec, 'spec', out);
  }
}

function checkJobSpec(r: ManifestRecord, spec: any, at: string, out: Finding[]): void {
  if (spec.backoffLimit === undefined) out.push(finding(r, 'batch/backoff-limit', `${at}.backoffLimit`, 'set backoffLimit so a failing job stops retrying'));
  if (spec.activeDeadlineSeconds === undefined && spec.ttlSecondsAfterFinished === undefined) {
    out.push(finding(r, 'batch/deadline', `${at}.activeDeadlineSeconds`, 'set activeDeadlineSeconds or ttlSecondsAfterFinished'));
  }
}
