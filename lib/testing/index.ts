/**
 * Testing helpers for teams that extend the constructs: synthesise an app in
 * memory for an environment, find objects by kind and name, and assert what
 * matters on a cluster (the gate passes, pods are restricted, selectors meet
 * their pods, a connection is allowed both ways). They throw an Error with a
 * readable message, so they work under jest, vitest or node:test alike.
 *
 * ```ts
 * import { assertConnectionAllowed, assertGatePasses, find, synthApp } from '../../lib/testing';
 * const records = synthApp(billingApi, Environment.PRODUCTION);
 * assertGatePasses(records, Environment.PRODUCTION);
 * expect(find(records, 'Deployment', 'billing-api').spec.replicas).toBe(3);
 * ```
 */
import { AppDefinition } from '../building-blocks/app-definition';
import { Environment } from '../building-blocks/environment';
import { Manifest, ManifestRecord } from '../tooling/manifest/manifest';
import { connectionVerdict } from '../tooling/manifest/network-policy';
import { namespaceOf, podTemplate, PodTemplateRef, selectorMatches } from '../tooling/manifest/pods';
import { collectManifests } from '../tooling/synth/collect';
import { buildApps } from '../tooling/synth/synthesize';
import { validateManifests } from '../tooling/validation';
import { checkPodSecurity, namespaceLevel } from '../tooling/validation/pod-security';
import { PodSecurityLevel } from '../vocabulary/pod-security-level';

/** The manifests of `apps` (and of the apps they use) for `env`, built in memory: nothing is written. */
export function synthApps(apps: readonly AppDefinition[], env: Environment = Environment.LOCAL): ManifestRecord[] {
  return collectManifests(buildApps(env, apps));
}

/** The manifests of one app (and of the apps it uses) for `env`. */
export function synthApp(app: AppDefinition, env: Environment = Environment.LOCAL): ManifestRecord[] {
  return synthApps([app], env);
}

/** The plain objects of the records. */
export function manifests(records: readonly ManifestRecord[]): Manifest[] {
  return records.map((r) => r.manifest);
}

/** The one object of `kind` named `name` (in `namespace`, where given); throws when there is none or more than one. */
export function find(records: readonly ManifestRecord[], kind: string, name: string, namespace?: string): any {
  const found = records.filter((r) => r.manifest.kind === kind && r.manifest.metadata?.name === name && (namespace === undefined || namespaceOf(r.manifest) === namespace));
  if (found.length !== 1) {
    const have = records.map((r) => `${r.manifest.kind}/${r.manifest.metadata?.name}`).join(', ');
    throw new Error(`expected one ${kind}/${name}, found ${found.length}; have: ${have}`);
  }
  return found[0].manifest;
}

/** Every object of `kind`. */
export function findAll(records: readonly ManifestRecord[], kind: string): any[] {
  return records.filter((r) => r.manifest.kind === kind).map((r) => r.manifest);
}

/** The gate's findings as `rule object field: message` lines, for readable assertions. */
export function gateFindings(records: readonly ManifestRecord[], env: Environment = Environment.LOCAL): string[] {
  return validateManifests(records, { requireSpread: env.highAvailability, minKubernetesVersion: env.config.minKubernetesVersion }).findings.map((f) => `${f.rule} ${f.object} ${f.field}: ${f.message}`);
}

/** The validation gate finds nothing. */
export function assertGatePasses(records: readonly ManifestRecord[], env: Environment = Environment.LOCAL): void {
  fail('the validation gate refuses these manifests', gateFindings(records, env));
}

/**
 * Every pod meets the Pod Security level of its namespace, `restricted` unless the namespace lowers it with a
 * reason; `requireRestricted` refuses any namespace that lowers it.
 */
export function assertRestricted(records: readonly ManifestRecord[], options: { requireRestricted?: boolean } = {}): void {
  const levels = new Map(records.filter((r) => r.manifest.kind === 'Namespace').map((r) => [r.manifest.metadata.name!, namespaceLevel(r.manifest)]));
  const problems: string[] = [];
  for (const pod of pods(records)) {
    const level = levels.get(namespaceOf(pod.record.manifest))?.level ?? PodSecurityLevel.RESTRICTED;
    if (level !== PodSecurityLevel.RESTRICTED && options.requireRestricted) problems.push(`${name(pod)}: its namespace lowers Pod Security to ${level.name}`);
    for (const f of checkPodSecurity(pod, level)) problems.push(`${name(pod)} ${f.field}: ${f.message}`);
  }
  fail('pods are not restricted', problems);
}

/** Every Service, NetworkPolicy and PodDisruptionBudget selector meets at least one pod template of its namespace. */
export function assertSelectorsMatch(records: readonly ManifestRecord[]): void {
  const all = pods(records);
  const problems: string[] = [];
  for (const { manifest: m } of records) {
    const spec = (m as any).spec ?? {};
    const selector = m.kind === 'Service' ? spec.selector : m.kind === 'PodDisruptionBudget' ? spec.selector : m.kind === 'NetworkPolicy' ? spec.podSelector : undefined;
    // A Service without a selector has its endpoints managed by hand; an empty policy selector means every pod.
    if (!selector || (m.kind === 'NetworkPolicy' && Object.keys(selector).length === 0)) continue;
    const ns = namespaceOf(m);
    if (!all.some((p) => namespaceOf(p.record.manifest) === ns && selectorMatches(selector, p.labels))) problems.push(`${m.kind}/${ns}/${m.metadata.name} selects no pod`);
  }
  fail('selectors meet no pods', problems);
}

/** A workload (by kind and name) whose pods are the ends of a connection. */
export interface PodOwner {
  /** The workload's kind, e.g. `Deployment`. */
  readonly kind: string;
  /** The workload's name. */
  readonly name: string;
  /** Its namespace, where the name is not unique. @default - any */
  readonly namespace?: string;
}

/**
 * The NetworkPolicies let `from`'s pods open a connection to `to`'s pods on `port` (a number, or a port name
 * of `to`): `from`'s egress and `to`'s ingress both allow it.
 */
export function assertConnectionAllowed(records: readonly ManifestRecord[], from: PodOwner, to: PodOwner, port: number | string): void {
  const verdict = connectionVerdict(records, podOf(records, from), podOf(records, to), port);
  const problems: string[] = [];
  if (!verdict.egress) problems.push(`${from.kind}/${from.name}'s egress does not allow ${to.kind}/${to.name} on ${port}`);
  if (!verdict.ingress) problems.push(`${to.kind}/${to.name}'s ingress does not allow ${from.kind}/${from.name} on ${port}`);
  fail('the connection is refused', problems);
}

/** The opposite: at least one side's policies refuse it. */
export function assertConnectionRefused(records: readonly ManifestRecord[], from: PodOwner, to: PodOwner, port: number | string): void {
  const verdict = connectionVerdict(records, podOf(records, from), podOf(records, to), port);
  if (verdict.egress && verdict.ingress) throw new Error(`${from.kind}/${from.name} may connect to ${to.kind}/${to.name} on ${port}, which should be refused`);
}

/** Matches a selector (a plain map or a LabelSelector) against labels. */
export function selects(selector: Record<string, string> | object, labels: Record<string, string>): boolean {
  return selectorMatches(selector, labels);
}

function pods(records: readonly ManifestRecord[]): PodTemplateRef[] {
  return records.map(podTemplate).filter((p): p is PodTemplateRef => p !== undefined);
}

function podOf(records: readonly ManifestRecord[], owner: PodOwner): PodTemplateRef {
  const pod = podTemplate(records.find((r) => r.manifest === find(records, owner.kind, owner.name, owner.namespace))!);
  if (!pod) throw new Error(`${owner.kind}/${owner.name} has no pod template`);
  return pod;
}

function name(pod: PodTemplateRef): string {
  return `${pod.record.manifest.kind}/${namespaceOf(pod.record.manifest)}/${pod.record.manifest.metadata.name}`;
}

function fail(what: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}
