/**
 * Strict schema validation against the official Kubernetes definitions kept
 * in `schemas/`, the way `kubeconform -strict` does it: every object schema
 * that lists properties is closed (unless it preserves unknown fields), and
 * optional fields may be null. Each kind is compiled once, when first seen.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
// Types only: ajv itself (~60 ms to load) is required only to compile a kind missing from the cache (see load()).
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isAtLeast } from '../../vocabulary/kubernetes-version';
import { ManifestRecord } from '../manifest/manifest';
import { Finding, finding } from './finding';

export const KUBERNETES_VERSIONS = ['1.27', '1.36'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

/**
 * The bundled schemas that apply to clusters of `minimum` and later: those of `minimum` and newer releases, and the
 * newest when `minimum` is above them all. A schema older than the minimum is skipped, since output may use what the
 * minimum added (1.27 lacks the `sleep` preStop action of 1.30). With only 1.27 and 1.36 bundled, a 1.30 minimum is
 * checked against 1.36: our constructs are typed by the 1.27 API, so the 1.30 sleep action is the one newer field they
 * write, and a field added after 1.30 in hand-written YAML would pass unnoticed.
 */
export function schemaVersionsFor(minimum: string): KubernetesVersion[] {
  const applicable = KUBERNETES_VERSIONS.filter((v) => isAtLeast(v, minimum));
  return applicable.length > 0 ? applicable : [KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]];
}

const SCHEMA_FILES: Record<KubernetesVersion, string> = { '1.27': 'kubernetes-1.27.0.json', '1.36': 'kubernetes-1.36.0.json' };
const SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'schemas');
/**
 * Compiled validators are kept as ajv standalone code, keyed by the schema's
 * content, ajv's version and this file's rules, so a synth compiles a kind
 * only once per machine. Set SHIPSHAPE_SCHEMA_CACHE=off to compile every time.
 */
const CACHE_DIR = path.resolve(__dirname, '..', '..', '..', 'node_modules', '.cache', 'shipshape-schemas');
/**
 * Names what decides the compiled code beside the schema and ajv's version: `strictify` and `AJV_OPTIONS`. Change
 * either and bump it, or machines keep validators compiled by the old rules; test/tooling/validation/schema-cache.test.ts
 * fails until you do.
 */
export const RULES_VERSION = 'strict-nullable-1';
export const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, allowUnionTypes: true, code: { source: true } } as const;

/** A validator for kinds that are not in the Kubernetes schema (custom resources), from a kept package. */
export type CustomValidator = (manifest: unknown) => { instancePath: string; message: string }[];

export class SchemaValidator {
  private readonly gvkToDefinition = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private ajv?: Ajv;
  private definitionsCache?: Record<string, any>;
  private readonly cacheKey: string;
  private readonly text: string;
  private readonly useCache = process.env.SHIPSHAPE_SCHEMA_CACHE !== 'off';


  public constructor(public readonly version: KubernetesVersion, private readonly customResources: ReadonlyMap<string, CustomValidator>) {
    this.text = fs.readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES[version]), 'utf8');
    this.cacheKey = createHash('sha256').update(this.text).update(RULES_VERSION).update(require('ajv/package.json').version).digest('hex').slice(0, 16);
    // The kind → definition index is cached too: parsing the whole document is most of a warm run's cost.
    const indexFile = path.join(CACHE_DIR, `${version}-${this.cacheKey}-index.json`);
    let index: Record<string, string> | undefined;
    if (this.useCache && fs.existsSync(indexFile)) index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    if (!index) {
      index = {};
      for (const [name, def] of Object.entries(this.definitions)) {
        for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) index[`${gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version}/${gvk.kind}`] = name;
      }
      if (this.useCache) writeCacheFile(indexFile, JSON.stringify(index));
    }
    for (const [key, name] of Object.entries(index)) this.gvkToDefinition.set(key, name);
  }

  private get definitions(): Record<string, any> {
    this.definitionsCache ??= JSON.parse(this.text).definitions as Record<string, any>;
    return this.definitionsCache;
  }

  /** Loads the validator of an `apiVersion/kind` now rather than at its first object. */
  public warm(key: string): void {
    const definition = this.gvkToDefinition.get(key);
    if (definition && !this.compiled.has(definition)) this.compiled.set(definition, this.load(definition));
  }

  public validate(record: ManifestRecord): Finding[] {
    const { apiVersion, kind } = record.manifest;
    const rule = `schema-${this.version}`;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      return [finding(record, rule, '', 'apiVersion and kind must be set')];
    }
    const key = `${apiVersion}/${kind}`;
    const custom = this.customResources.get(key);
    if (custom) {
      return custom(record.manifest).map((e) => finding(record, rule, toFieldPath(e.instancePath), e.message));
    }
    const definition = this.gvkToDefinition.get(key);
    if (!definition) {
      return [finding(record, rule, 'apiVersion', `${key} is not a Kubernetes ${this.version} kind and not a declared custom resource; check apiVersion and kind, or declare its CRD (npm run validate -- --crd <crd.yaml>)`)];
    }
    let validate = this.compiled.get(definition);
    if (!validate) {
      validate = this.load(definition);
      this.compiled.set(definition, validate);
    }
    if (validate(record.manifest)) return [];
    return simplify(validate.errors ?? []).map((e) => finding(record, rule, toFieldPath(e.instancePath), describeError(e)));
  }

  /** The cached standalone validator of a definition, or a fresh compile that is then cached. */
  private load(definition: string): ValidateFunction {
    const file = path.join(CACHE_DIR, `${this.version}-${this.cacheKey}-${definition.replace(/[^A-Za-z0-9.]/g, '_')}.js`);
    if (this.useCache && fs.existsSync(file)) return requireCompiled(file);
    if (!this.ajv) {
      for (const def of Object.values(this.definitions)) strictify(def);
      const Ajv: typeof import('ajv').default = require('ajv').default;
      this.ajv = new Ajv(AJV_OPTIONS);
      this.ajv.addSchema({ $id: 'k8s', definitions: this.definitions }, 'k8s');
    }
    const validate = this.ajv.getSchema(`k8s#/definitions/${definition}`)!;
    const standaloneCode: typeof import('ajv/dist/standalone').default = require('ajv/dist/standalone').default;
    if (this.useCache) writeCacheFile(file, standaloneCode(this.ajv, validate));
    return validate;
  }
}

/**
 * A validator of one self-contained JSON schema (a CRD's openAPIV3Schema, closed by `strictify` first), compiled once
 * per machine and kept as standalone code keyed by the schema's content, like the Kubernetes kinds: compiling one
 * with ajv cost a production synth ~130 ms.
 */
export function compileCached(schema: object): ValidateFunction {
  const ajvVersion: string = require('ajv/package.json').version;
  const key = createHash('sha256').update(JSON.stringify(schema)).update(RULES_VERSION).update(ajvVersion).digest('hex').slice(0, 16);
  const file = path.join(CACHE_DIR, `schema-${key}.js`);
  const useCache = process.env.SHIPSHAPE_SCHEMA_CACHE !== 'off';
  if (useCache && fs.existsSync(file)) return requireCompiled(file);
  const Ajv: typeof import('ajv').default = require('ajv').default;
  const ajv = new Ajv(AJV_OPTIONS);
  const validate = ajv.compile(schema);
  const standaloneCode: typeof import('ajv/dist/standalone').default = require('ajv/dist/standalone').default;
  if (useCache) writeCacheFile(file, standaloneCode(ajv, validate));
  return validate;
}

/**
 * Requires a cached validator with V8's code cache beside it (`.v8`, made at its first load): these modules are
 * large (each workload kind carries the whole pod spec), and parsing them was most of a warm gate's cost.
 */
function requireCompiled(file: string): ValidateFunction {
  const codeCache = `${file}.v8`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(codeCache);
  } catch {
    // made below
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = { exports: {} as ValidateFunction };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the first validation, so the cache holds the functions it compiled.
    const validate = mod.exports;
    let saved = false;
    const first = ((data: unknown) => {
      const valid = validate(data);
      first.errors = validate.errors;
      if (!saved) writeCacheFile(codeCache, script.createCachedData());
      saved = true;
      return valid;
    }) as ValidateFunction;
    return first;
  }
  return mod.exports;
}

/** Writes a cache entry atomically; a read-only checkout still validates, it only compiles again next time. */
function writeCacheFile(file: string, content: string | Buffer): void {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, content);
    fs.renameSync(staging, file);
  } catch {
    // ignored on purpose, see above
  }
}

/** Closes object schemas and lets optional fields be null, in place. */
export function strictify(schema: any): void {
  if (!schema || typeof schema !== 'object') return;
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    schema.additionalProperties = false;
  }
  const required = new Set<string>(schema.required ?? []);
  for (const [name, prop] of Object.entries<any>(schema.properties ?? {})) {
    strictify(prop);
    if (required.has(name)) continue;
    if (typeof prop.type === 'string') prop.type = [prop.type, 'null'];
    else if (prop.$ref) schema.properties[name] = { anyOf: [{ $ref: prop.$ref }, { type: 'null' }] };
  }
  if (schema.items) strictify(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') strictify(schema.additionalProperties);
}

/** Drops the noise of the nullable wrappers: the `must be null` branch and the anyOf summary. */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const out = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && (e.params as any).type === 'null'));
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeError(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    return `unknown field '${(e.params as any).additionalProperty}' (misspelled, or newer than this Kubernetes version)`;
  }
  if (e.keyword === 'required') return `missing required field '${(e.params as any).missingProperty}'`;
  if (e.keyword === 'enum') return `${e.message}: ${(e.params as any).allowedValues.join(', ')}`;
  return e.message ?? e.keyword;
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name`. */
export function toFieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}
