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
import Ajv from 'ajv';
import { CustomValidator, strictify } from './schema';

const SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'schemas');

interface KeptSchema {
  readonly source: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly openAPIV3Schema: unknown;
}

function fromCrdSchema(file: string): [string, CustomValidator] {
  const kept: KeptSchema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
  let validate: ReturnType<Ajv['compile']> | undefined;
  const validator: CustomValidator = (manifest) => {
    if (!validate) {
      const schema = structuredClone(kept.openAPIV3Schema);
      strictify(schema);
      validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, allowUnionTypes: true }).compile(schema as object);
    }
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      message: e.keyword === 'additionalProperties' ? `unknown field '${(e.params as any).additionalProperty}'` : e.keyword === 'enum' ? `${e.message}: ${(e.params as any).allowedValues.join(', ')}` : e.message ?? e.keyword,
    }));
  };
  return [`${kept.apiVersion}/${kept.kind}`, validator];
}

/** A version no current operator serves: one finding with the fix. */
function unserved(reason: string): CustomValidator {
  return () => [{ instancePath: '/apiVersion', message: reason }];
}

export const CUSTOM_RESOURCES: ReadonlyMap<string, CustomValidator> = new Map([
  fromCrdSchema('external-secrets-v1-externalsecret.json'),
  ['external-secrets.io/v1beta1/ExternalSecret', unserved('external-secrets.io/v1beta1 is not served since External Secrets Operator 0.17; use external-secrets.io/v1 (same fields)')],
]);
