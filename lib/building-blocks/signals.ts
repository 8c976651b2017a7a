/**
 * Signals must reach the application. A command wrapped in `sh -c` makes the
 * shell PID 1; unless the script hands over to the program (`exec` as its last
 * command, a lone simple command that bash or ash execs itself, or a `trap ... TERM`
 * that forwards the signal while the shell `wait`s), SIGTERM stops at the
 * shell and the pod is SIGKILLed after its grace period.
 */

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
/** A redirection word such as `>/dev/null`, `2>&1`, `3<`, `>>`; a bare operator takes the next word as its target. */
const REDIRECTION = /^[0-9]*(<<?|>>?|<>|>\||[<>]&)[-0-9]*$|^[0-9]*(<<?|>>?|<>|[<>]&)\S+$|^&>>?\S*$/;

/** Throws when `command`/`args` run a shell script whose program never receives SIGTERM. */
export function checkSignalPropagation(owner: string, command: readonly string[] = [], args: readonly string[] = []): void {
  const { argv, busybox } = unwrap([...command, ...args]);
  const shell = busybox ? 'ash' : basename(argv[0] ?? '');
  if (!SHELLS.has(shell)) return;
  const flagIndex = argv.findIndex((a, i) => i > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
  if (flagIndex < 0) return;
  const script = argv[flagIndex + 1] ?? '';
  if (handsOver(shell, script)) return;
  throw new Error(
    `${owner}: command runs '${argv[0]} -c' whose last command is not 'exec <program>', so the shell stays PID 1 and SIGTERM never reaches the program; ` +
      "end the script with 'exec <program> ...', forward the signal (trap '...' TERM, then wait), or give the command in exec form",
  );
}

/** Looks through `env [-i] [-u NAME] [VAR=value]... [--]` and `busybox <applet>` to the program they run. */
function unwrap(argv: readonly string[]): { argv: readonly string[]; busybox: boolean } {
  let rest = argv;
  let busybox = false;
  for (;;) {
    const head = basename(rest[0] ?? '');
    if (head === 'busybox') {
      rest = rest.slice(1);
      busybox = SHELLS.has(basename(rest[0] ?? ''));
    } else if (head === 'env') {
      let i = 1;
      while (i < rest.length && (rest[i].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[i]))) i += rest[i] === '-u' || rest[i] === '-C' || rest[i] === '-S' ? 2 : 1;
      rest = rest.slice(i);
    } else {
      return { argv: rest, busybox };
    }
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether the script's program gets SIGTERM: an exec as the last command, bash's lone simple command, or trap + wait. */
function handsOver(shell: string, script: string): boolean {
  const statements = topLevelStatements(script);
  const last = statements[statements.length - 1] ?? [];
  if (execsProgram(last)) return true;
  // The last statement is a compound (if/case/group): every path should end in exec; we accept an exec inside it.
  if (['if', 'case', '{', '('].includes(last[0]) && innerStatements(last).some(execsProgram)) return true;
  // bash and busybox ash exec the program themselves when the whole script is one simple command without
  // redirections (bash: should_suppress_fork() in builtins/evalstring.c); dash forks. `sh` may be either, so it is
  // not trusted. The test runs the installed shells to check this.
  if ((shell === 'bash' || shell === 'ash') && statements.length === 1 && !['if', 'case', 'for', 'while', 'until', '{', '(', 'trap'].includes(last[0]) && !last.some((w) => REDIRECTION.test(w) || w === '|')) return true;
  // A shell that traps TERM and waits: it forwards the signal itself.
  const traps = statements.some((s) => s[0] === 'trap' && s.slice(2).some((w) => /^(SIG)?TERM$|^15$/.test(w)));
  const waits = statements.some((s) => innerStatements(s).some((inner) => inner[0] === 'wait'));
  return traps && waits;
}

/** `exec` followed by a program, not only by redirections (`exec >/dev/stdout 2>&1` only redirects the shell). */
function execsProgram(statement: readonly string[]): boolean {
  if (statement[0] !== 'exec') return false;
  for (let i = 1; i < statement.length; i++) {
    const w = statement[i];
    if (!REDIRECTION.test(w)) return true;
    if (/[<>&]$/.test(w)) i++; // a bare operator: skip its target word
  }
  return false;
}

/** Statements separated by `;`, `&&`, `||`, `&` and newlines, at nesting level 0; compounds stay one statement. */
function topLevelStatements(script: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let depth = 0;
  for (const token of tokens(script)) {
    if (token.separator && depth === 0) {
      if (current.length > 0) out.push(current);
      current = [];
      continue;
    }
    if (token.separator) {
      current.push(';');
      continue;
    }
    const w = token.word;
    const first = current.length === 0 || current[current.length - 1] === ';' || ['then', 'do', 'else', 'elif', '{', '('].includes(current[current.length - 1]);
    if (first && ['if', 'case', 'for', 'while', 'until', '{', '('].includes(w)) depth++;
    if (first && ['fi', 'esac', 'done', '}', ')'].includes(w)) depth = Math.max(0, depth - 1);
    current.push(w);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The statements inside a compound, split at `;` and after the keywords that start a body. */
function innerStatements(words: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const w of words) {
    if (w === ';' || ['then', 'do', 'else', 'elif', 'if', 'while', 'until', '{', '('].includes(w)) {
      if (current.length > 0) out.push(current);
      current = [];
      continue;
    }
    current.push(w);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Shell words and separators, with quotes and comments handled (enough to find commands, not to run them). */
function tokens(script: string): { word: string; separator: boolean }[] {
  const out: { word: string; separator: boolean }[] = [];
  let word = '';
  let quoted = false;
  const flush = () => {
    if (word !== '' || quoted) out.push({ word, separator: false });
    word = '';
    quoted = false;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === "'" || ch === '"') {
      const end = script.indexOf(ch, i + 1);
      word += script.slice(i + 1, end < 0 ? script.length : end);
      quoted = true;
      i = end < 0 ? script.length : end;
    } else if (ch === '\\') {
      if (script[i + 1] !== '\n') word += script[i + 1] ?? '';
      i++;
    } else if (ch === '#' && word === '' && !quoted) {
      while (i < script.length && script[i] !== '\n') i++;
      i--;
    } else if (ch === ';' || ch === '\n' || ((ch === '&' || ch === '|') && script[i + 1] === ch)) {
      flush();
      out.push({ word: ch, separator: true });
      if (ch !== ';' && ch !== '\n') i++;
    } else if (ch === '&' && script[i + 1] !== '>' && !/[<>]$/.test(word)) {
      flush();
      out.push({ word: ch, separator: true });
    } else if (/\s/.test(ch)) {
      flush();
    } else {
      word += ch;
    }
  }
  flush();
  return out;
}

/** How PID 1 is provided: zombies must be reaped and SIGTERM delivered. */
export class InitProcess {
  /** The application is PID 1 itself (it must handle SIGTERM). */
  public static readonly NONE = new InitProcess('none');
  /** The pod's pause process is PID 1 and reaps zombies for every container. */
  public static readonly SHARED_PROCESS_NAMESPACE = new InitProcess('shared-process-namespace');
  /**
   * Run the command under tini, which must be in the image at this path. It is prepended to the container's
   * `command`, so a container with this needs `command` (the image's entrypoint spelled out): with `args` alone the
   * image's ENTRYPOINT runs and tini could not be added, which is refused.
   */
  public static tini(path = '/usr/bin/tini'): InitProcess {
    return new InitProcess('tini', [path, '--']);
  }

  private constructor(public readonly kind: string, public readonly prefix: readonly string[] = []) {}
}
