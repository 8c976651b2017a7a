/**
 * Custom resources the catalogue uses, validated against their CRD's
 * `openAPIV3Schema` kept as data in `schemas/` (the source is named in each
 * file). Objects are closed the way the Kubernetes schemas are (see
 * `strictify`): the API server's strict field validation refuses unknown
 * fields, so the gate does too.
 *
 * ExternalSecret is served as `external-secrets.io/v1` only: External Secrets
 * Operator stopped serving v1beta1 in v0.17.0, and an object of an unserved
 * version fails `kubectl apply` with "no matches for kind". The old version is
 * therefore refused with that reason rather than validated.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { compileCached, CustomValidator, strictify } from './schema';

const SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'schemas');

interface KeptSchema {
  readonly source: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly openAPIV3Schema: unknown;
}

function fromCrdSchema(file: string): [string, CustomValidator] {
  const kept: KeptSchema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
  return [`${kept.apiVersion}/${kept.kind}`, schemaValidator(kept.openAPIV3Schema)];
}

/**
 * Validators for every served version of a CustomResourceDefinition (as `kubectl get crd X -o yaml` prints it, or
 * as its project publishes it), keyed `group/version/Kind`: how `npm run validate -- --crd` declares a custom resource.
 */
export function crdValidators(crd: { spec?: any; metadata?: { name?: string } }): [string, CustomValidator][] {
  const spec = crd.spec ?? {};
  const kind = spec.names?.kind;
  if (typeof spec.group !== 'string' || typeof kind !== 'string' || !Array.isArray(spec.versions)) {
    throw new Error(`CustomResourceDefinition ${crd.metadata?.name ?? '<unnamed>'} has no spec.group, spec.names.kind or spec.versions`);
  }
  return spec.versions
    .filter((v: any) => v.served !== false && v.schema?.openAPIV3Schema)
    .map((v: any): [string, CustomValidator] => [`${spec.group}/${v.name}/${kind}`, schemaValidator(v.schema.openAPIV3Schema)]);
}

function schemaValidator(openAPIV3Schema: unknown): CustomValidator {
  const kept = { openAPIV3Schema };
  let validate: ValidateFunction | undefined;
  const validator: CustomValidator = (manifest) => {
    if (!validate) {
      const schema = structuredClone(kept.openAPIV3Schema);
      strictify(schema);
      validate = compileCached(schema as object);
    }
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      message: e.keyword === 'additionalProperties' ? `unknown field '${(e.params as any).additionalProperty}'` : e.keyword === 'enum' ? `${e.message}: ${(e.params as any).allowedValues.join(', ')}` : e.message ?? e.keyword,
    }));
  };
  return validator;
}

/** A version no current operator serves: one finding with the fix. */
function unserved(reason: string): CustomValidator {
  return () => [{ instancePath: '/apiVersion', message: reason }];
}

export const CUSTOM_RESOURCES: ReadonlyMap<string, CustomValidator> = new Map([
  fromCrdSchema('external-secrets-v1-externalsecret.json'),
  ['external-secrets.io/v1beta1/ExternalSecret', unserved('external-secrets.io/v1beta1 is not served since External Secrets Operator 0.17; use external-secrets.io/v1 (same fields)')],
]);
