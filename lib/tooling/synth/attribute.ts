/**
 * Where an error thrown while an app is built comes from. A construct's
 * checks may throw before any of its children exist, and a value such as
 * `ContainerImage.of('nginx')` is checked before its construct exists at all,
 * so "the last construct created" is often another one. The stack says which
 * constructor was running (the outermost `new X` of a construct class is the
 * one the app wrote) and which line of the user's code called it.
 */
import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { IConstruct } from 'constructs';

interface Frame {
  readonly fn: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const LIB = path.resolve(__dirname, '..', '..');
const maps = new Map<string, SourceMap | undefined>();

/**
 * `npm run synth` runs a bundle (scripts/run.js) with its source map beside it, not linked, so that nothing is
 * parsed at start; an error maps its frames back to the project's files here.
 */
function original(frame: Frame): Frame {
  if (!maps.has(frame.file)) {
    const file = `${frame.file}.map`;
    maps.set(frame.file, fs.existsSync(file) ? new SourceMap(JSON.parse(fs.readFileSync(file, 'utf8'))) : undefined);
  }
  const entry = maps.get(frame.file)?.findEntry(frame.line - 1, frame.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (!entry?.originalSource || entry.originalLine === undefined) return frame;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(frame.file), entry.originalSource);
  return { fn: frame.fn, file: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}

function frames(stack: string): Frame[] {
  const out: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (m) out.push(original({ fn: m[1] ?? '', file: m[2], line: Number(m[3]), column: Number(m[4]) }));
  }
  return out;
}

function isUserCode(f: Frame): boolean {
  return path.isAbsolute(f.file) && !f.file.startsWith(LIB + path.sep) && !f.file.includes(`${path.sep}node_modules${path.sep}`);
}

/**
 * The construct the user's code was constructing when the error was thrown: the outermost constructor of a
 * construct class below the user's line (or that line itself, for a construct class of the user's), taking the
 * last instance of that class, which is the one still under construction (constructors call super() first).
 */
function constructBeingBuilt(root: IConstruct, appName: string, all: readonly Frame[], user: number): IConstruct | undefined {
  const byClass = new Map<string, IConstruct[]>();
  for (const c of root.node.findAll()) {
    // Only the app being built (its chart id is its name): an error before super() must not blame another app.
    if (c === root || (c.node.path !== appName && !c.node.path.startsWith(`${appName}/`))) continue;
    const name = c.constructor.name;
    byClass.set(name, [...(byClass.get(name) ?? []), c]);
  }
  const match = (i: number) => {
    const m = /^new (\w+)$/.exec(all[i].fn);
    const candidates = m ? byClass.get(m[1]) : undefined;
    return candidates?.[candidates.length - 1];
  };
  for (let i = (user >= 0 ? user : all.length) - 1; i >= 0; i--) {
    const found = match(i);
    if (found) return found;
  }
  return user >= 0 ? match(user) : undefined;
}

/** `orders/orders-api (WebService, apps/orders/app.ts:33)`, or `app 'orders' (apps/orders/app.ts:30)` before any construct of it exists. */
export function attribute(root: IConstruct, appName: string, err: unknown): string {
  const stack = err instanceof Error && err.stack ? frames(err.stack) : [];
  const user = stack.findIndex(isUserCode);
  const line = user >= 0 ? `${path.relative(process.cwd(), stack[user].file)}:${stack[user].line}` : undefined;
  const construct = constructBeingBuilt(root, appName, stack, user);
  if (construct) return `${construct.node.path} (${construct.constructor.name}${line ? `, ${line}` : ''})`;
  return `app '${appName}'${line ? ` (${line})` : ''}`;
}

/** Runs `fn` with stacks deep enough to reach the user's code through nested constructs. */
export function withDeepStacks<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(limit, 100);
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
