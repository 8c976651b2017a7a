/**
 * Field-level differences between two versions of one object, with paths a
 * person can read: lists that Kubernetes merges by name are keyed by name
 * (`containers[web].image`), so inserting a container is one change, not one
 * per shifted index; a list of plain values changes as a whole.
 * The comparison itself is microdiff's; text is compared with jsdiff.
 */
import { diffLines } from 'diff';
import microdiff from 'microdiff';
import { Manifest } from '../manifest/manifest';

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[web].image`, `spec.volumeClaimTemplates[data].spec`. */
  readonly path: string;
  /** Absent when the field was added. */
  readonly before?: unknown;
  /** Absent when the field was removed. */
  readonly after?: unknown;
}

const KEYED = Symbol('keyed');

function keyOf(item: unknown): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const o = item as Record<string, any>;
  if (typeof o.name === 'string') return o.name;
  return typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
}

/** Lists whose items all have a unique name become objects keyed `[name]`. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const keys = value.map(keyOf);
    if (keys.length > 0 && keys.every((k) => k !== undefined) && new Set(keys).size === keys.length) {
      const keyed: Record<string, unknown> = Object.fromEntries(value.map((v, i) => [`[${keys[i]}]`, normalise(v)]));
      Object.defineProperty(keyed, KEYED, { value: true });
      return keyed;
    }
    return value.map(normalise);
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}

function isScalarList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}

/** `a.b[name][0]`; keys with dots or slashes (labels, annotations, file names) are quoted: `labels["app.kubernetes.io/name"]`. */
function formatPath(segments: readonly (string | number)[]): string {
  return segments
    .map((s, i) => {
      if (typeof s === 'number') return `[${s}]`;
      if (s.startsWith('[')) return s;
      if (/[./]/.test(s)) return `[${JSON.stringify(s)}]`;
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}

function at(root: unknown, segments: readonly (string | number)[]): unknown {
  let node: any = root;
  for (const s of segments) node = node?.[s];
  return node;
}

export function diffManifests(before: Manifest, after: Manifest): FieldChange[] {
  const a = normalise(before) as Record<string, unknown>;
  const b = normalise(after) as Record<string, unknown>;
  const out = new Map<string, FieldChange>();
  for (const d of microdiff(a, b)) {
    // A change inside a list of plain values (args, command, ports of a policy) is shown as the whole list.
    let segments = d.path;
    for (let i = 0; i < d.path.length; i++) {
      const prefix = d.path.slice(0, i);
      if (isScalarList(at(a, prefix)) || isScalarList(at(b, prefix))) {
        segments = prefix;
        break;
      }
    }
    const path = formatPath(segments);
    if (out.has(path)) continue;
    const was = at(a, segments);
    const now = at(b, segments);
    out.set(path, { path, ...(was === undefined ? {} : { before: was }), ...(now === undefined ? {} : { after: now }) });
  }
  return [...out.values()];
}

const SENSITIVE_ENV = /pass|secret|token|credential|private|api[-_]?key/i;

/** Values never printed: Secret data, and env values whose name says they are secret. */
export function isSensitive(kind: string, path: string): boolean {
  if (kind === 'Secret' && /^(data|stringData)\b/.test(path)) return true;
  const env = /\.env\[([^\]]+)\]\.value$/.exec(path);
  return env !== null && SENSITIVE_ENV.test(env[1]);
}

const MAX_VALUE = 100;

export function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && (v as any)[KEYED] ? Object.values(v) : v));
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}… (${text.length} chars)` : text;
}

/** One line per change; multi-line text as its changed lines, at most `maxLines` of them. */
export function formatChange(kind: string, change: FieldChange, maxLines = 6): string[] {
  if (isSensitive(kind, change.path)) {
    const what = change.before === undefined ? 'added' : change.after === undefined ? 'removed' : 'changed';
    return [`${change.path}: (sensitive value ${what})`];
  }
  const { before, after } = change;
  if (typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'))) {
    const lines = diffLines(before, after).flatMap((part) => (part.added || part.removed ? part.value.replace(/\n$/, '').split('\n').map((l) => `${part.added ? '+' : '-'} ${l}`) : []));
    const shown = lines.slice(0, maxLines).map((l) => `    ${l}`);
    if (lines.length > maxLines) shown.push(`    … ${lines.length - maxLines} more changed line(s)`);
    return [`${change.path}: text changed`, ...shown];
  }
  return [`${change.path}: ${formatValue(before)} → ${formatValue(after)}`];
}
