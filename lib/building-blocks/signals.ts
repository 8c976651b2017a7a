/**
 * Signals must reach the application. A command wrapped in `sh -c` makes the
 * shell PID 1; unless the script ends by `exec`-ing the program, SIGTERM stops
 * at the shell and the pod is SIGKILLed after its grace period.
 */

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', '/bin/sh', '/bin/bash', '/bin/ash', '/usr/bin/bash', '/bin/dash']);
const EXEC_STATEMENT = /(^|[;&|\n(]|\bthen|\belse|\bdo)\s*exec\s+\S/;

/** Throws when `command`/`args` run a shell script that never `exec`s its program. */
export function checkSignalPropagation(owner: string, command: readonly string[] = [], args: readonly string[] = []): void {
  const argv = [...command, ...args];
  if (argv.length < 3 || !SHELLS.has(argv[0])) return;
  const flagIndex = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  if (flagIndex < 0) return;
  const script = argv[flagIndex + 1] ?? '';
  if (!EXEC_STATEMENT.test(script)) {
    throw new Error(
      `${owner}: command runs '${argv[0]} -c' without exec, so the shell is PID 1 and SIGTERM never reaches the program; ` +
        "end the script with 'exec <program> ...' or give the command in exec form",
    );
  }
}

/** How PID 1 is provided: zombies must be reaped and SIGTERM delivered. */
export class InitProcess {
  /** The application is PID 1 itself (it must handle SIGTERM). */
  public static readonly NONE = new InitProcess('none');
  /** The pod's pause process is PID 1 and reaps zombies for every container. */
  public static readonly SHARED_PROCESS_NAMESPACE = new InitProcess('shared-process-namespace');
  /** Run the command under tini, which must be in the image at this path. */
  public static tini(path = '/usr/bin/tini'): InitProcess {
    return new InitProcess('tini', [path, '--']);
  }

  private constructor(public readonly kind: string, public readonly prefix: readonly string[] = []) {}
}
