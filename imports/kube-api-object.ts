/**
 * The base of the generated classes of imports/k8s.ts (`npm run import` makes them extend it): cdk8s's ApiObject,
 * whose `toJson` resolves and sanitises in one walk instead of three.
 *
 * cdk8s's `ApiObject.toJson` (cdk8s 2.70, lib/api-object.js) resolves the metadata (lib/metadata.js: `resolve`, then
 * `sanitizeValue` dropping empty arrays and objects), resolves the whole object again, metadata included (lib/resolve.js:
 * at every value, a new key path array and a ResolutionContext offered to each of the app's resolvers), then copies
 * it once more to sort its keys and drop empty values (lib/_util.js `sanitizeValue`). At 1,000 services that was about
 * a third of a synth. With the app's resolvers the built-in ones (LazyResolver, ImplicitTokenResolver,
 * NumberStringUnionResolver, in that order), `toJson` below computes the same object in one pass:
 * - a Lazy is produced, a value with a `resolve()` method resolved, a non-plain object with a string or number `value`
 *   becomes `{ value }`, each then resolved again, as the resolvers do (they never replace a primitive);
 * - arrays and plain objects are walked, in their own key order (so producers run in cdk8s's order); null and
 *   undefined are dropped from objects and become undefined in arrays; object keys are sorted unless
 *   CDK8S_DISABLE_SORT is set; the metadata's keys are always sorted and its empty arrays and objects dropped;
 * - any other object is left unresolved and copied by cdk8s's own `sanitizeValue`; where that refuses it (not plain),
 *   cdk8s's own `toJson` runs, so that the error names the value cdk8s would name first;
 * - JSON patches are applied, and apiVersion, kind and metadata come first.
 * An app with resolvers of its own, a metadata of another class, or an object with an own `__proto__` key (whose
 * assignment cdk8s's walk turns into a prototype) take cdk8s's own `toJson` (in the last case, after producers met
 * before the key ran once). Functions are walked as cdk8s does (a function with a `resolve` method is resolved). test/imports/kube-api-object.test.ts
 * compares both on the catalogue and on seeded values.
 */
import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { sanitizeValue } from 'cdk8s/lib/_util';

const BUILT_IN_RESOLVERS: readonly Function[] = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/** Thrown inside the walk where only cdk8s's own toJson is certain to give cdk8s's result. */
const USE_CDK8S = Symbol('use cdk8s toJson');

interface WalkOptions {
  readonly sortKeys: boolean;
  /** Whether empty arrays and objects are dropped (the metadata's rule). */
  readonly dropEmpty: boolean;
}

const METADATA: WalkOptions = { sortKeys: true, dropEmpty: true };
const SORTED: WalkOptions = { sortKeys: true, dropEmpty: false };
const UNSORTED: WalkOptions = { sortKeys: false, dropEmpty: false };

function walk(value: any, options: WalkOptions): any {
  if (value == null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') return value;
  if (value instanceof Lazy) return walk(value.produce(), options);
  if (typeof value.resolve === 'function') return walk(value.resolve(), options);
  if (value.constructor !== Object) {
    const inner = value.value;
    if (typeof inner === 'number' || typeof inner === 'string') return walk({ value: inner }, options);
    if (Array.isArray(value)) {
      if (options.dropEmpty && value.length === 0) return undefined;
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = walk(value[i], options);
      return out;
    }
    try {
      return sanitizeValue(value, { sortKeys: options.sortKeys, filterEmptyArrays: options.dropEmpty, filterEmptyObjects: options.dropEmpty });
    } catch {
      throw USE_CDK8S; // cdk8s reports the first refused value in its own order, after resolving everything
    }
  }
  const keys = Object.keys(value);
  const resolved = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === '__proto__') throw USE_CDK8S;
    resolved[i] = walk(value[keys[i]], options);
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  const order = options.sortKeys ? sortedIndexes(keys) : undefined;
  for (let j = 0; j < keys.length; j++) {
    const i = order ? order[j] : j;
    if (resolved[i] != null) {
      out[keys[i]] = resolved[i];
      kept++;
    }
  }
  return options.dropEmpty && kept === 0 ? undefined : out;
}

/**
 * The indexes of `keys` in the order of `keys.slice().sort()` (UTF-16 code units; the keys of one object are
 * distinct), or undefined when they are in that order already. Most objects have a handful of keys: an insertion
 * sort, which beats a sort with a comparator function there.
 */
function sortedIndexes(keys: readonly string[]): number[] | undefined {
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
  if (sorted) return undefined;
  if (keys.length > 32) return keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
  const order = new Array<number>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    let j = i;
    for (; j > 0 && keys[order[j - 1]] > keys[i]; j--) order[j] = order[j - 1];
    order[j] = i;
  }
  return order;
}

/** The fields cdk8s's ApiObjectMetadataDefinition keeps (private in its types) and its toJson reads. */
interface MetadataFields {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, unknown>;
  readonly finalizers: unknown[];
  readonly ownerReferences: unknown[];
  readonly labels: Record<string, unknown>;
}

export class KubeApiObject extends ApiObject {
  public override toJson(): any {
    const metadata = this.metadata as unknown as MetadataFields;
    let json: any;
    try {
      const resolvers = App.of(this).resolvers.map((r) => r.constructor);
      if (this.metadata.constructor !== ApiObjectMetadataDefinition || resolvers.length !== 3 || resolvers.some((r, i) => r !== BUILT_IN_RESOLVERS[i])) throw USE_CDK8S;
      const meta = walk({ ...metadata._additionalAttributes, name: metadata.name, namespace: metadata.namespace, annotations: metadata.annotations, finalizers: metadata.finalizers, ownerReferences: metadata.ownerReferences, labels: metadata.labels }, METADATA);
      json = walk({ ...(this as any).props, metadata: meta }, process.env.CDK8S_DISABLE_SORT ? UNSORTED : SORTED);
      const patches: JsonPatch[] = (this as any).patches;
      if (patches.length > 0) json = JsonPatch.apply(json, ...patches);
    } catch (e) {
      if (e === USE_CDK8S) return super.toJson();
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (k in json) result[k] = json[k];
    return result;
  }
}
