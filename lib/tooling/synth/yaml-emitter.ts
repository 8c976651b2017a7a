/**
 * A YAML emitter for JSON-shaped data whose output is byte-identical to js-yaml 4.1.1's
 * `dump(value, { lineWidth: -1, noRefs: true })`, several times faster on manifests.
 *
 * Why: js-yaml decides every scalar's style afresh (chooseScalarStyle, then every YAML 1.1 implicit type's
 * resolver), although manifests repeat the same keys and values thousands of times; at 1,000 services that was
 * the largest single stage of a synth. Here js-yaml still decides each distinct scalar, once (names of the PLAIN
 * form below excepted): its rendering is memoised, also as the pieces appended (`key:` on its line at each level,
 * a value after its space), so a pair costs two appends. The structure is walked here, following node_modules/js-yaml/lib/dumper.js (writeNode,
 * writeBlockMapping, writeBlockSequence, writeScalar) for indent 2, no flow level, no refs, no line width:
 * - a mapping value that is a non-empty mapping or sequence starts on the next line (`key:` then the block);
 *   anything else follows `key: ` on the same line; sequences inside a mapping are indented one level;
 * - a sequence item (and a pair's value after an explicit `? key`) is compact: its first pair or item goes
 *   on the dash's line;
 * - empty ones are `{}` and `[]`; a mapping whose values are all undefined is `{}`; undefined values drop
 *   their pair, undefined items become `null`;
 * - a key whose rendering exceeds 1024 characters is an explicit pair (`? key` newline `: value`);
 * - a string's rendering depends on its position only when it is a literal block (`|`): its lines are
 *   indented by 2 x max(1, level) (indentString, empty lines stay empty); header and chomping do not change.
 * Anything not JSON-shaped (a Date, a Buffer, a class instance, a function...) goes to js-yaml as a whole.
 * test/tooling/yaml-emitter.test.ts compares both on the whole catalogue and a seeded corpus of nasty strings.
 */
import { dump } from 'js-yaml';

const OPTIONS = { lineWidth: -1, noRefs: true } as const;

/** The same string as js-yaml writes it. */
export function emitYaml(value: unknown): string {
  if (value === undefined) return dump(value, OPTIONS);
  out = '';
  try {
    node(value, 0, true);
  } catch (err) {
    out = '';
    if (err === NOT_JSON_SHAPED) {
      emitterStats.handedToJsYaml++;
      return dump(value, OPTIONS);
    }
    throw err;
  }
  const text = out + '\n';
  out = '';
  // Converting the rope to a number makes V8 flatten it now, while its pieces are young garbage; left as ropes until
  // the files are joined, thousands of documents' pieces are promoted to the old generation (the N=1000 "yaml"
  // stage took a fifth longer). The number itself is of no use.
  Number(text);
  return text;
}

/** How many documents went to js-yaml whole (tests check that manifests never do). */
export const emitterStats = { handedToJsYaml: 0 };

/** Thrown by the walk at a value it does not handle; never escapes emitYaml. */
const NOT_JSON_SHAPED = new Error('not JSON-shaped');

/** The document being written (strings built by appending are ropes in V8: cheap). */
let out = '';

/** Memos, bounded so a long watch session cannot grow them without end; clearing never changes output. */
const MEMO_LIMIT = 100_000;
const values = new Map<string, string>();
const spacedValues = new Map<string, string>();
const keyColons = new Map<string, string>();
const keyLines: Map<string, string>[] = [];
const numbers = new Map<number, string>();
const spacedNumbers = new Map<number, string>();

function remember<K>(memo: Map<K, string>, key: K, rendering: string): string {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, rendering);
  return rendering;
}

const newLines: string[] = [];
const dashLines: string[] = [];
/** A line break and the indent of `level`, as js-yaml's generateNextLine. */
function newLine(level: number): string {
  return newLines[level] ??= '\n' + ' '.repeat(2 * level);
}

const PIPE = 0x7c;

/**
 * Strings js-yaml writes as they are, known without asking it (most names and label values): a letter, then six or
 * more of letters, digits, `.`, `_`, `/`, `-`. Every character is plain-safe where it stands (dumper.js
 * isPlainSafeFirst, isPlainSafe, isPlainSafeLast), and no implicit type of its default schema resolves such a string:
 * null, bool and the YAML 1.1 booleans it quotes are at most five characters; int, float, timestamp, merge and
 * base 60 begin with a digit, a sign, `.`, `_` or `<`.
 */
const PLAIN = /^[A-Za-z][A-Za-z0-9._/-]{5,}$/;

/** A string as a value; js-yaml's writeScalar with iskey false, inblock true. */
function scalar(s: string, level: number): string {
  let rendering = values.get(s);
  // At the top level js-yaml writes the scalar as a value at level 0, whose block indent equals level 1's.
  if (rendering === undefined) rendering = remember(values, s, PLAIN.test(s) ? s : dump(s, OPTIONS).slice(0, -1));
  if (level > 1 && rendering.charCodeAt(0) === PIPE) return literalAt(s, rendering, level);
  return rendering;
}

/** The literal block `levelOne` (as written at level 0 or 1) at a deeper level: only the indent differs. */
function literalAt(s: string, levelOne: string, level: number): string {
  const header = levelOne.slice(0, levelOne.indexOf('\n') + 1);
  const indent = ' '.repeat(2 * level);
  let body = header;
  // Each line but an empty one is indented; the last line break is dropped (the dumper adds its own).
  for (let start = 0; start < s.length; ) {
    const end = s.indexOf('\n', start);
    const stop = end === -1 ? s.length : end;
    if (stop > start) body += indent + s.slice(start, stop);
    if (end === -1 || end === s.length - 1) break;
    body += '\n';
    start = end + 1;
  }
  return body;
}

/** A mapping key and its colon, `key:`; a key has single-line styles only (one with a line break is double-quoted). */
function keyColon(k: string): string {
  const text = keyColons.get(k);
  if (text !== undefined) return text;
  if (PLAIN.test(k)) return remember(keyColons, k, k + ':');
  const pair = dump({ [k]: null }, OPTIONS);
  // `k: null\n`, or `? k\n: null\n` when js-yaml made the pair explicit (a rendering over 1024 characters).
  return remember(keyColons, k, (pair.startsWith('? ') ? pair.slice(2, -'\n: null\n'.length) : pair.slice(0, -': null\n'.length)) + ':');
}

/** `key:` on a new line at `level`: one piece to append instead of three (fewer short-lived strings). */
function keyLine(k: string, level: number): string {
  const memo = (keyLines[level] ??= new Map());
  return memo.get(k) ?? remember(memo, k, newLine(level) + keyColon(k));
}

/** A string after `key:`, with its space. */
function spacedScalar(s: string, level: number): string {
  const text = spacedValues.get(s) ?? remember(spacedValues, s, ' ' + scalar(s, 1));
  if (level > 1 && text.charCodeAt(1) === PIPE) return ' ' + literalAt(s, text.slice(1), level);
  return text;
}

function number(n: number): string {
  if (Object.is(n, -0)) return dump(n, OPTIONS).slice(0, -1); // a Map does not tell -0 from 0
  return numbers.get(n) ?? remember(numbers, n, dump(n, OPTIONS).slice(0, -1));
}

function spacedNumber(n: number): string {
  if (Object.is(n, -0)) return ' ' + number(n);
  return spacedNumbers.get(n) ?? remember(spacedNumbers, n, ' ' + number(n));
}

function isMapping(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** js-yaml's writeNode with block true; `compact` puts the first pair or item on the current line. */
function node(v: unknown, level: number, compact: boolean): void {
  switch (typeof v) {
    case 'string':
      out += scalar(v, level);
      return;
    case 'number':
      out += number(v);
      return;
    case 'boolean':
      out += v ? 'true' : 'false';
      return;
    case 'object':
      if (v === null) out += 'null';
      else if (Array.isArray(v)) sequence(v, level, compact, '[]');
      else if (isMapping(v)) mapping(v as Record<string, unknown>, level, compact, '{}');
      else throw NOT_JSON_SHAPED;
      return;
    default:
      throw NOT_JSON_SHAPED;
  }
}

/**
 * The value of a pair written as `key:`, not compact: a non-empty mapping or sequence starts on the next line,
 * anything else follows a space.
 */
function pairValue(v: unknown, level: number): void {
  switch (typeof v) {
    case 'string':
      out += spacedScalar(v, level);
      return;
    case 'number':
      out += spacedNumber(v);
      return;
    case 'boolean':
      out += v ? ' true' : ' false';
      return;
    case 'object':
      if (v === null) out += ' null';
      else if (Array.isArray(v)) sequence(v, level, false, ' []');
      else if (isMapping(v)) mapping(v as Record<string, unknown>, level, false, ' {}');
      else throw NOT_JSON_SHAPED;
      return;
    default:
      throw NOT_JSON_SHAPED;
  }
}

function dashLine(level: number): string {
  return dashLines[level] ??= newLine(level) + '- ';
}

/** `empty` is written for no items. */
function sequence(items: readonly unknown[], level: number, compact: boolean, empty: string): void {
  if (items.length === 0) {
    out += empty;
    return;
  }
  const dash = dashLine(level);
  for (let i = 0; i < items.length; i++) {
    out += !compact || i > 0 ? dash : '- ';
    const item = items[i];
    node(item === undefined ? null : item, level + 1, true);
  }
}

/** `empty` is written when no pair is (no keys, or only undefined values). */
function mapping(m: Record<string, unknown>, level: number, compact: boolean, empty: string): void {
  let written = false;
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined) continue;
    const first = compact && !written;
    written = true;
    const colon = keyColon(k);
    if (colon.length > 1025) {
      // An explicit pair (a key rendered in more than 1024 characters): its value is compact, so it never starts
      // with a line break.
      const nl = newLine(level);
      out += (first ? '? ' : nl + '? ') + colon.slice(0, -1) + nl + ': ';
      node(v, level + 1, true);
    } else {
      out += first ? colon : keyLine(k, level);
      pairValue(v, level + 1);
    }
  }
  if (!written) out += empty;
}
