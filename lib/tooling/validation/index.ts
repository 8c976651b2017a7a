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
import { checkPractice } from './practice';
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

export function validateManifests(records: readonly ManifestRecord[], options: ValidationOptions = {}): ValidationResult {
  const findings: Finding[] = [];
  for (const version of options.versions ?? (options.minKubernetesVersion ? schemaVersionsFor(options.minKubernetesVersion) : KUBERNETES_VERSIONS)) {
    const validator = options.customResources?.size ? new SchemaValidator(version, new Map([...CUSTOM_RESOURCES, ...options.customResources])) : schemaValidator(version);
    for (const r of records) findings.push(...validator.validate(r));
  }
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
  for (const r of records) findings.push(...checkObjectApi(r));
  for (const pod of pods) findings.push(...checkPodApi(pod));
  findings.push(...checkPractice(records, pods, { requireSpread: options.requireSpread ?? true }));
  findings.push(...checkImageFloors(pods));
  findings.push(...checkApplySets(records));
  const refs = checkReferences(records, pods);
  findings.push(...refs.findings);
  return { findings, exemptions, externalRefs: refs.external };
}
