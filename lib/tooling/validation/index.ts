/**
 * The validation gate: schema (1.27 and 1.36), Pod Security Standards,
 * production practice, references and ApplySets, over plain manifests. All findings
 * are returned, not just the first.
 */
import { describe, ManifestRecord } from '../manifest/manifest';
import { checkObjectApi } from './api-objects';
import { checkPodApi } from './api-pods';
import { checkApplySets } from './applyset';
import { CUSTOM_RESOURCES } from './custom-resources';
import { Finding } from './finding';
import { checkImageFloors } from './image-floor';
import { checkPodSecurity, namespaceLevel } from './pod-security';
import { namespaceOf, podTemplate, PodTemplateRef } from '../manifest/pods';
import { checkObjectPractice, checkPractice } from './practice';
import { checkReferences } from './references';
import { CustomValidator, KUBERNETES_VERSIONS, KubernetesVersion, SchemaValidator, schemaVersionsFor } from './schema';

export interface ValidationOptions {
  /** @default the schemas for minKubernetesVersion (see schemaVersionsFor), or all of them (1.27 and 1.36) */
  readonly versions?: readonly KubernetesVersion[];
  /** The oldest release the clusters run, e.g. an environment's `'1.30'`. @default - every bundled schema */
  readonly minKubernetesVersion?: string;
  /** @default true */
  readonly requireSpread?: boolean;
  /** Custom resources declared beside the kept ones (`npm run validate -- --crd`), by `group/version/Kind`. @default - none */
  readonly customResources?: ReadonlyMap<string, CustomValidator>;
}

export interface Exemption {
  readonly namespace: string;
  readonly level: string;
  readonly reason: string;
}

export interface ValidationResult {
  readonly findings: Finding[];
  readonly exemptions: Exemption[];
  readonly externalRefs: { readonly ref: string; readonly usedBy: string }[];
}

const validators = new Map<KubernetesVersion, SchemaValidator>();

function schemaValidator(version: KubernetesVersion): SchemaValidator {
  let v = validators.get(version);
  if (!v) {
    v = new SchemaValidator(version, CUSTOM_RESOURCES);
    validators.set(version, v);
  }
  return v;
}

/** Loads the compiled validators of `apiVersion/kind` keys ahead of the first validation (a helper thread does). */
export function warmValidators(kinds: readonly string[], versions: readonly KubernetesVersion[] = KUBERNETES_VERSIONS): void {
  for (const version of versions) for (const key of kinds) schemaValidator(version).warm(key);
}

/**
 * What the gate finds in one object on its own: the schemas (one list per checked version), the API server's rules
 * for the object and for its pod template, and the practice rules about it alone. A synth's helper thread checks
 * these while objects are still being resolved; `validateManifests` adds the rules that relate objects.
 */
export interface ObjectFindings {
  readonly schema: readonly (readonly Finding[])[];
  readonly api: readonly Finding[];
  readonly pod: readonly Finding[];
  /** The practice rules about the object alone (./practice.ts checkObjectPractice). */
  readonly practice: { readonly object: readonly Finding[]; readonly pod: readonly Finding[] };
}

/** Checks objects one at a time, against the schema validators of one set of options. */
export class ObjectChecker {
  private readonly validators: SchemaValidator[];

  public constructor(options: ValidationOptions = {}) {
    const versions = options.versions ?? (options.minKubernetesVersion ? schemaVersionsFor(options.minKubernetesVersion) : KUBERNETES_VERSIONS);
    this.validators = versions.map((version) => (options.customResources?.size ? new SchemaValidator(version, new Map([...CUSTOM_RESOURCES, ...options.customResources])) : schemaValidator(version)));
  }

  public check(record: ManifestRecord): ObjectFindings {
    const pod = podTemplate(record);
    return { schema: this.validators.map((v) => v.validate(record)), api: checkObjectApi(record), pod: pod ? checkPodApi(pod) : [], practice: checkObjectPractice(record, pod) };
  }
}

/**
 * Every rule over `records`. `checked` gives each object's own findings when they were found already (on a helper
 * thread); the findings and their order are the same either way.
 */
export function validateManifests(records: readonly ManifestRecord[], options: ValidationOptions = {}, checked?: (record: ManifestRecord) => ObjectFindings): ValidationResult {
  const checker = checked ? undefined : new ObjectChecker(options);
  const each = records.map(checked ?? ((r) => checker!.check(r)));
  const findings: Finding[] = [];
  const versionCount = each[0]?.schema.length ?? 0;
  for (let v = 0; v < versionCount; v++) for (const e of each) findings.push(...e.schema[v]);
  const seen = new Map<string, ManifestRecord>();
  for (const r of records) {
    const key = `${r.manifest.kind}/${namespaceOf(r.manifest)}/${r.manifest.metadata?.name}`;
    const previous = seen.get(key);
    if (previous) findings.push({ rule: 'objects/unique', file: r.file, object: describe(r.manifest), constructPath: r.constructPath, field: 'metadata.name', message: `defined twice (also in ${previous.file}${previous.constructPath ? ` at ${previous.constructPath}` : ''}); give each object its own name` });
    seen.set(key, r);
  }

  const pods = records.map(podTemplate).filter((p): p is PodTemplateRef => p !== undefined);
  const namespaces = new Map(records.filter((r) => r.manifest.kind === 'Namespace').map((r) => [r.manifest.metadata?.name ?? '', r.manifest]));
  const exemptions: Exemption[] = [];
  for (const [name, ns] of namespaces) {
    const level = namespaceLevel(ns);
    if (level.level.name === 'restricted') continue;
    const record = records.find((r) => r.manifest === ns)!;
    if (!level.reason) {
      findings.push({ rule: 'pss/exemption-reason', file: record.file, object: describe(ns), constructPath: record.constructPath, field: 'metadata.annotations', message: `namespace enforces '${level.level.name}' without a reason; add the shipshape.dev/pod-security-reason annotation or use restricted` });
    }
    exemptions.push({ namespace: name, level: level.level.name, reason: level.reason ?? '(no reason given)' });
  }
  for (const pod of pods) findings.push(...checkPodSecurity(pod, namespaceLevel(namespaces.get(namespaceOf(pod.record.manifest))).level));
  // What the API server (of 1.27 or 1.36, whichever is stricter) would refuse, beyond the schemas.
  for (const e of each) findings.push(...e.api);
  for (const e of each) findings.push(...e.pod);
  const own = new Map(records.map((r, i) => [r, each[i].practice]));
  findings.push(...checkPractice(records, pods, { requireSpread: options.requireSpread ?? true }, (r) => own.get(r)!));
  findings.push(...checkImageFloors(pods));
  findings.push(...checkApplySets(records));
  const refs = checkReferences(records, pods);
  findings.push(...refs.findings);
  return { findings, exemptions, externalRefs: refs.external };
}
