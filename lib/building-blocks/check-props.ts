/**
 * Run-time checks of a construct's props. `npm run synth` runs without a type check (tsx), so a misspelt optional
 * prop would be ignored and a wrong shape would fail far away, blamed on another construct. Each construct lists
 * every prop with its check at the top of its constructor:
 *
 *   checkProps<WebServiceProps>(owner, props, { image: Check.required(Check.instance(ContainerImage, 'ContainerImage.of(...)')), ... });
 *
 * The spec type names every prop of P (the compiler refuses a spec that forgets one), and a required prop needs
 * `Check.required(...)`, an optional one must not have it. Unknown props are refused with the nearest known name.
 *
 * A spec is a module constant, made once: one built at every construction cost a WebService ~50 µs (the N=1000 bench).
 * Constructs made a few times whose spec names a class of another module (`Check.instance`) build it in the
 * constructor instead, where that class surely exists (a module constant could meet it undefined in an import cycle).
 */
import leven from 'leven';
import { quantityProblem } from '../vocabulary/formats';

/** One check: why `value` is refused (a sentence fragment after the prop's path), or undefined. */
export class Check<Required extends boolean = false> {
  /** Anything (a value checked by the construct itself). */
  public static readonly any = new Check<false>(false, () => undefined);
  public static readonly string = Check.of((v) => (typeof v === 'string' ? undefined : expected(v, 'a string')));
  public static readonly nonEmptyString = Check.of((v) => (typeof v !== 'string' ? expected(v, 'a string') : v.length === 0 ? 'is empty; give a value' : undefined));
  public static readonly boolean = Check.of((v) => (typeof v === 'boolean' ? undefined : expected(v, 'true or false')));
  public static readonly number = Check.of((v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : expected(v, 'a number')));
  public static readonly port = Check.integer(1, 65535);
  public static readonly quantity = Check.of((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') return expected(v, "a quantity such as '512Mi'");
    const problem = quantityProblem(v);
    return problem ? `'${v}' ${problem}` : undefined;
  });
  public static readonly stringArray = Check.array(Check.string);
  public static readonly stringRecord = Check.record(Check.string);
  public static readonly func = Check.of((v) => (typeof v === 'function' ? undefined : expected(v, 'a function')));

  public static of(test: (value: unknown, path: string) => string | undefined): Check<false> {
    return new Check<false>(false, test);
  }

  /** Marks a check as required: `undefined` is refused. */
  public static required(check: Check<false>): Check<true> {
    return new Check<true>(true, check.test);
  }

  public static integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check<false> {
    return Check.of((v) => {
      if (typeof v !== 'number') return expected(v, 'a whole number');
      if (!Number.isInteger(v) || v < min || v > max) {
        return `${v} is out of range; use a whole number ${max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`}`;
      }
      return undefined;
    });
  }

  /** One of the given strings. */
  public static oneOf(values: readonly string[]): Check<false> {
    return Check.of((v) => (typeof v === 'string' && values.includes(v) ? undefined : `${typeof v === 'string' ? `'${v}'` : describe(v)} is not one of ${values.map((x) => `'${x}'`).join(', ')}`));
  }

  /** An object made by `how`, e.g. `Check.instance(ContainerImage, 'ContainerImage.of(...)')`. */
  // A class with a private constructor is still a Function to instanceof.
  // eslint-disable-next-line @typescript-eslint/ban-types
  public static instance(type: Function, how: string): Check<false> {
    return Check.of((v) => (v instanceof type ? undefined : expected(v, `${article(type.name)} ${type.name} (${how})`)));
  }

  public static array(item: Check<boolean>): Check<false> {
    return Check.of((v, path) => {
      if (!Array.isArray(v)) return expected(v, 'a list');
      for (let i = 0; i < v.length; i++) {
        const problem = item.apply(v[i], `${path}[${i}]`);
        if (problem) return full(problem);
      }
      return undefined;
    });
  }

  /** A plain object of named values, e.g. env: `{ LOG_LEVEL: EnvValue.value('info') }`. */
  public static record(value: Check<boolean>): Check<false> {
    return Check.of((v, path) => {
      if (!isPlainObject(v)) return expected(v, 'an object of named values');
      for (const [k, x] of Object.entries(v)) {
        const problem = value.apply(x, `${path}.${k}`);
        if (problem) return full(problem);
      }
      return undefined;
    });
  }

  /** A nested object whose every key is listed, with the same rules as the props. */
  public static object<T>(spec: PropsSpec<T>): Check<false> {
    return Check.of((v, path) => {
      if (!isPlainObject(v)) return expected(v, 'an object');
      const problem = specProblem(v, spec, `${path}.`);
      return problem ? full(problem) : undefined;
    });
  }

  /** The first of several shapes that fits, e.g. a number or one per environment. */
  public static either(...checks: Check<false>[]): Check<false> {
    return Check.of((v, path) => {
      const problems = checks.map((c) => c.apply(v, path));
      return problems.some((p) => p === undefined) ? undefined : full(problems[problems.length - 1]!);
    });
  }

  private constructor(public readonly required: Required, private readonly test: (value: unknown, path: string) => string | undefined) {}

  /** The full problem ("<path> <why>"), or undefined when `value` passes. */
  public apply(value: unknown, path: string): string | undefined {
    if (value === undefined) return this.required ? `${path} is required` : undefined;
    const problem = this.test(value, path);
    if (problem === undefined) return undefined;
    // Nested checks report their own full path.
    return problem.startsWith(FULL) ? problem.slice(FULL.length) : `${path} ${problem}`;
  }
}

// eslint-disable-next-line @typescript-eslint/ban-types
type OptionalKeys<P> = { [K in keyof P]-?: {} extends Pick<P, K> ? K : never }[keyof P];

/** Every prop of P with its check; required props need `Check.required(...)`. */
export type PropsSpec<P> = { readonly [K in keyof P]-?: K extends OptionalKeys<P> ? Check<false> : Check<true> };

/**
 * Refuses props that are not an object, unknown props (with the nearest known name), missing required props and
 * wrong shapes: `web service 'api': prop 'ingresHost' is unknown; did you mean 'ingressHost'?`. Values are not
 * printed for wrong types, so a secret typed in the wrong place never reaches a log.
 */
export function checkProps<P>(owner: string, props: P, spec: PropsSpec<P>): P {
  if (!isPlainObject(props)) throw new Error(`${owner}: props ${expected(props, 'an object')}`);
  const problem = specProblem(props, spec, '');
  if (problem) throw new Error(`${owner}: ${problem}`);
  return props;
}

function specProblem<T>(value: Record<string, unknown>, spec: PropsSpec<T>, prefix: string): string | undefined {
  const checks = spec as Record<string, Check<boolean>>;
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(checks, key)) {
      // An explicit undefined for an unknown key is still a typo.
      const known = Object.keys(checks);
      const near = nearest(key, known);
      return `prop '${prefix}${key}' is unknown; ${near ? `did you mean '${prefix}${near}'?` : `known props: ${known.join(', ')}`}`;
    }
  }
  for (const key in checks) {
    const check = checks[key];
    // Most props of a construct are left out: an absent optional one passes without a path being made for it.
    if (value[key] === undefined && !check.required) continue;
    const problem = check.apply(value[key], `${prefix}${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/** The known name closest to a misspelt one, when it is close enough to be what was meant. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : leven(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Marks a problem that already carries its full path (from a nested check). */
const FULL = '\u0000';
function full(problem: string): string {
  return FULL + problem;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The type of a value, never the value itself (it may be a secret). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return name && name !== 'Object' ? `${article(name)} ${name}` : 'an object';
  }
  return `${article(typeof v)} ${typeof v}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function expected(v: unknown, what: string): string {
  return `is ${describe(v)}; expected ${what}`;
}
