/**
 * Our YAML emitter against its oracle, js-yaml's `dump(value, { lineWidth: -1, noRefs: true })`: byte for byte on
 * every manifest of the catalogue and on a seeded corpus of nested values and nasty strings, and js-yaml's `load`
 * of our output gives the input back. That is checked for documents that are a mapping or a sequence (every
 * manifest is a mapping): js-yaml's own dump of a bare string does not always load back (`...` is read as the end
 * of the document, a top-level literal block with an indentation indicator gains a space).
 */
import { dump, load } from 'js-yaml';
import { catalogue } from '../../apps/catalogue';
import { Environment } from '../../lib/building-blocks/environment';
import { renderFiles, renderKustomization, toYaml } from '../../lib/tooling/synth/write';
import { emitterStats, emitYaml } from '../../lib/tooling/synth/yaml-emitter';
import { synthCatalogue } from '../helpers';

const oracle = (value: unknown) => dump(value, { lineWidth: -1, noRefs: true });

/** mulberry32: a small seeded generator, so the corpus is the same at every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole strings that YAML 1.1 or 1.2 would read as something else, or that need a particular style. */
const WORDS = [
  '', ' ', '  ', 'a', 'plain', 'two words', ' lead', 'trail ', '\t', 'tab\there', 'yes', 'Yes', 'YES', 'no', 'No', 'NO',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N', '~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false',
  'False', 'FALSE', '1e3', '1E3', '0x1F', '0o17', '017', '0b101', '1_000', '.5', '5.', '+1', '-1', '-.inf', '.inf', '.Inf',
  '.NaN', '.nan', '12:30', '12:30:45', '-1:20', '190:20:30.15', '2024-01-01', '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5', '<<', '=', '-', '?', ':', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', ',', '[',
  ']', '{', '}', '- a', '? a', ': a', '-a', '?a', ':a', 'a: b', 'a:b', 'a #b', 'a#b', 'a:', 'key: value # c', '!tag',
  '&anchor', '*alias', '|-', '>+', "it's", 'say "hi"', '%YAML', '@at', '`tick`', '---', '...', '\n', '\n\n', 'a\n',
  'a\n\n', 'a\nb', 'a\nb\n', 'a\nb\n\n', '\na', '\n\na\n', ' a\nb', '\n  indented\n', 'line\r\nwindows', '\r', 'é',
  'ünïcödé', '日本語', '😀', 'a😀b', '\u{1F600}\n\u{1F680}', '\u0000', '\u0007', '\u001b[31m', '\u0085', '\u00a0',
  '\u2028', '\u2029', '\ufeff', '\ud800', 'x\udc00y', '\u007f', 'back\\slash', '0', '00', '-0', '1.0', '6.8523015e+5',
  '685_230.15', '0.', 'app.kubernetes.io/name', 'http://a.b/c?d=e#f', '{{ .Values.x }}', '[1, 2]', '{a: 1}', 'a, b',
  'x'.repeat(1100), 'long '.repeat(60), '# comment', 'a\tb\n\tc', 'trailing\n ', ' \n', 'a  \n  b  ',
];
/** Characters to sprinkle in: indicators, blanks, breaks, controls, a BOM, astral and lone surrogates. */
const CHARS = [...'-?:#&*!|>\'"%@`,[]{}= \t\n\r\\/.0123456789aZ_~+', '\u0000', '\u0085', '\u00a0', '\u2028', '\ufeff', 'é', '😀', '\ud83d', '\ude00'];

function nastyString(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const r = next();
  if (r < 0.4) return pick(WORDS);
  if (r < 0.7) return pick(WORDS) + pick(CHARS) + pick(WORDS);
  let s = '';
  for (let i = Math.floor(next() * 12); i > 0; i--) s += next() < 0.5 ? pick(CHARS) : pick(WORDS);
  return s;
}

const NUMBERS = [0, -0, 1, -1, 42, 65535, -123456789, 0.5, -0.25, 1.5e-7, 1e21, 1e-21, 123456789012345680000, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 3.14159, NaN, Infinity, -Infinity];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 0 && r < 0.2) {
    const out: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) out[nastyString(next)] = next() < 0.08 ? undefined : value(next, depth - 1);
    return out;
  }
  if (depth > 0 && r < 0.35) {
    const out: unknown[] = [];
    for (let i = Math.floor(next() * 4); i > 0; i--) out.push(next() < 0.05 ? undefined : value(next, depth - 1));
    return out;
  }
  if (r < 0.75) return nastyString(next);
  if (r < 0.88) return NUMBERS[Math.floor(next() * NUMBERS.length)];
  if (r < 0.94) return next() < 0.5;
  return null;
}

/** What `load` should give back: undefined pairs dropped, undefined items as null (as js-yaml writes them). */
function loaded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : loaded(x)));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, loaded(x)]));
  return v;
}

const CORPUS_SIZE = 3000;
const corpus: unknown[] = [];
const next = random(19);
for (let i = 0; i < CORPUS_SIZE; i++) corpus.push(value(next, 1 + (i % 5)));

describe('YAML emitter, byte-identical to js-yaml', () => {
  test.each([
    ['local', Environment.LOCAL],
    ['production', Environment.PRODUCTION],
  ])('every manifest of the catalogue (%s) renders as js-yaml renders it, none handed to js-yaml', (_name, env) => {
    const records = synthCatalogue(catalogue, env);
    expect(records.length).toBeGreaterThan(30);
    const before = emitterStats.handedToJsYaml;
    for (const r of records) expect(emitYaml(r.manifest)).toBe(oracle(r.manifest));
    expect(emitterStats.handedToJsYaml).toBe(before);
    // The files as the synth writes them, and the Kustomization.
    for (const [file, text] of renderFiles(records)) {
      expect(text).toBe(records.filter((r) => r.file === file).map((r) => oracle(r.manifest)).join('---\n'));
    }
    const files = [...renderFiles(records).keys()];
    expect(renderKustomization(files)).toBe(oracle({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
  });

  test('each nasty string, as a value, a key, a sequence item and a literal at several depths', () => {
    const strings = [...WORDS, ...CHARS];
    for (const s of strings) {
      const shapes: unknown[] = [
        s,
        [s],
        { [s]: s },
        { a: { b: [s, { [s]: [s, [s]] }] } },
        [[[{ k: s }]]],
        { [s]: { [s]: {} }, x: [], y: [{}] },
      ];
      for (const shape of shapes) {
        const ours = emitYaml(shape);
        expect(ours).toBe(oracle(shape));
        if (shape !== s) expect(load(ours)).toEqual(shape);
      }
    }
  });

  test(`a seeded corpus of ${CORPUS_SIZE} nested values renders as js-yaml renders it and loads back`, () => {
    let literals = 0;
    let explicitKeys = 0;
    for (const v of corpus) {
      const ours = emitYaml(v);
      expect(ours).toBe(oracle(v));
      if (typeof v === 'object' && v !== null) expect(load(ours)).toEqual(loaded(v));
      if (/: \|[0-9]?[-+]?\n/.test(ours)) literals++;
      if (/^ *(- )*\? /m.test(ours)) explicitKeys++;
    }
    // The corpus reaches the rare forms, not only plain scalars.
    expect(literals).toBeGreaterThan(50);
    expect(explicitKeys).toBeGreaterThan(5);
  });

  test('a key whose rendering is over 1024 characters makes an explicit pair, at 1024 it does not', () => {
    for (const k of ['k'.repeat(1024), 'k'.repeat(1025), `#${'k'.repeat(1021)}`, `#${'k'.repeat(1022)}`, `a\n${'k'.repeat(1020)}`]) {
      for (const shape of [{ [k]: 1 }, { a: [{ [k]: { b: [1] }, c: 2 }] }, { [k]: { b: 1, c: [] } }]) {
        expect(emitYaml(shape)).toBe(oracle(shape));
        expect(load(emitYaml(shape))).toEqual(shape);
      }
    }
    expect(emitYaml({ [`#${'k'.repeat(1022)}`]: 1 })).toMatch(/^\? '#k+'\n: 1\n$/);
    expect(emitYaml({ [`#${'k'.repeat(1021)}`]: 1 })).toMatch(/^'#k+': 1\n$/);
  });

  test('names and label values, many written without asking js-yaml, are what js-yaml writes', () => {
    // Near misses of YAML 1.1 words, numbers and times, some of the form the emitter writes plain on its own.
    const first = 'yYnNoOtTfFeExXbBiI0123456789._-/:+<~';
    const rest = 'yesnotrufalNYOTFEixb0123456789._/-:# ';
    const nearMisses = ['.12345', '.5e100', '.infinity', '_12345', '-12345', '+12345', '0x1F2E', '0o1234', '1_000_000', '2024-01-01', '12:30:45', 'false', 'False', 'FALSE', 'falsey', 'nullable', 'NULL', 'yes', 'nope', 'off/on', 'abc:def', 'abcdef:', 'abc #x', 'abc#x', 'abcdef ', `a${'b'.repeat(1024)}`];
    for (const s of nearMisses) expect(emitYaml({ [s]: [s] })).toBe(oracle({ [s]: [s] }));
    const next = random(7);
    for (let i = 0; i < 6000; i++) {
      let s = first[Math.floor(next() * first.length)];
      for (let n = Math.floor(next() * 11); n > 0; n--) s += rest[Math.floor(next() * rest.length)];
      const shape = { [s]: [s] };
      expect(emitYaml(shape)).toBe(oracle(shape));
    }
  });

  test('numbers: integers, -0, floats, exponents, large ones, NaN and infinities', () => {
    for (const n of NUMBERS) {
      for (const shape of [n, [n, -n], { n, m: [n] }]) expect(emitYaml(shape)).toBe(oracle(shape));
    }
    // -0 after 0 (a Map does not tell them apart) still renders as -0.0.
    expect(emitYaml([0, -0, 0])).toBe('- 0\n- -0.0\n- 0\n');
  });

  test('empty mappings and sequences, and undefined: pairs dropped, items null, an all-undefined mapping is {}', () => {
    const shapes: unknown[] = [{}, [], { a: {} }, { a: [] }, [{}], [[]], { a: undefined }, { a: { b: undefined } }, [undefined], { a: [undefined, { b: undefined, c: 1 }] }, [{ a: undefined, b: 1 }]];
    for (const shape of shapes) expect(emitYaml(shape)).toBe(oracle(shape));
    expect(emitYaml({ a: { b: undefined }, c: [] })).toBe('a: {}\nc: []\n');
  });

  test('the memo does not change results: a string first seen deep, then shallow, then as a key, and in a fresh module', () => {
    const literal = '  leading spaces\n\nmore\n';
    const deepFirst = { a: { b: { c: [{ d: literal }] } } };
    const shallow = { x: literal, [literal]: 'as key', list: [literal] };
    const top = literal;
    const results = [deepFirst, shallow, top, deepFirst, shallow].map((v) => emitYaml(v));
    expect(results).toEqual([deepFirst, shallow, top, deepFirst, shallow].map(oracle));
    // The same inputs in a module instance whose memo is empty give the same bytes.
    jest.isolateModules(() => {
      const fresh = require('../../lib/tooling/synth/yaml-emitter') as typeof import('../../lib/tooling/synth/yaml-emitter');
      expect([shallow, deepFirst].map((v) => fresh.emitYaml(v))).toEqual([results[1], results[0]]);
    });
    expect(results[0]).toContain('      - d: |2\n            leading spaces\n\n          more\n');
  });

  test('values that are not JSON-shaped go to js-yaml whole, with its output or its error', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const before = emitterStats.handedToJsYaml;
    for (const v of [{ when: new Date(0) }, [new Point(1)], { b: Buffer.from('hi') }, { s: new String('on') }]) expect(emitYaml(v)).toBe(oracle(v));
    expect(emitterStats.handedToJsYaml).toBe(before + 4);
    expect(() => emitYaml({ f: () => 1 })).toThrow(/unacceptable kind of an object to dump \[object Function\]/);
    expect(emitYaml(undefined)).toBe(oracle(undefined));
    // After a hand-over, the next document is ours again and whole.
    expect(emitYaml({ a: 'on' })).toBe("a: 'on'\n");
  });

  test('toYaml is the emitter', () => {
    const v = { apiVersion: 'v1', kind: 'ConfigMap', data: { 'x.conf': 'a: 1\n', yes: 'no' } };
    expect(toYaml(v)).toBe(oracle(v));
    expect(toYaml(v)).toBe("apiVersion: v1\nkind: ConfigMap\ndata:\n  x.conf: |\n    a: 1\n  'yes': 'no'\n");
  });
});
