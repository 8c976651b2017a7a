/**
 * Graceful shutdown. When a pod is deleted, endpoint removal and SIGTERM race:
 * a `preStop` drain keeps the process serving until load balancers have
 * forgotten it, then the app gets SIGTERM and its own shutdown time. The grace
 * period must cover both, or the kubelet sends SIGKILL mid-shutdown.
 */
import * as k8s from '../../imports/k8s';

export interface ShutdownPolicyProps {
  /**
   * Seconds to keep serving after the pod is marked for deletion, before SIGTERM.
   * @default 5 for servers behind a Service, 0 for workers
   */
  readonly drainSeconds?: number;
  /**
   * Seconds the application needs after SIGTERM to finish in-flight work and exit.
   * @default 20
   */
  readonly shutdownSeconds?: number;
  /**
   * The whole budget before SIGKILL.
   * @default drainSeconds + shutdownSeconds + 5 seconds of margin
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * The drain command, in exec form; the image must contain it.
   * @default ['sleep', '<drainSeconds>']
   */
  readonly drainCommand?: readonly string[];
}

export class ShutdownPolicy {
  /** For a process behind a Service: drain, then SIGTERM. */
  public static server(props: ShutdownPolicyProps = {}): ShutdownPolicy {
    return new ShutdownPolicy({ drainSeconds: 5, ...props });
  }

  /** For a process without a Service (consumer, cache member): no drain needed. */
  public static worker(props: ShutdownPolicyProps = {}): ShutdownPolicy {
    return new ShutdownPolicy({ drainSeconds: 0, ...props });
  }

  public readonly drainSeconds: number;
  public readonly shutdownSeconds: number;
  public readonly terminationGracePeriodSeconds: number;
  private readonly drainCommand: readonly string[];

  private constructor(props: ShutdownPolicyProps) {
    this.drainSeconds = props.drainSeconds ?? 0;
    this.shutdownSeconds = props.shutdownSeconds ?? 20;
    for (const [field, value] of [['drainSeconds', this.drainSeconds], ['shutdownSeconds', this.shutdownSeconds]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new Error(`shutdown policy: ${field} ${value} must be a whole number of seconds, 0 or more`);
    }
    const needed = this.drainSeconds + this.shutdownSeconds;
    this.terminationGracePeriodSeconds = props.terminationGracePeriodSeconds ?? needed + 5;
    if (this.terminationGracePeriodSeconds < needed) {
      throw new Error(
        `shutdown policy: terminationGracePeriodSeconds ${this.terminationGracePeriodSeconds} is shorter than drainSeconds ${this.drainSeconds} ` +
          `plus shutdownSeconds ${this.shutdownSeconds}; raise it to at least ${needed} or the process is killed mid-shutdown`,
      );
    }
    this.drainCommand = props.drainCommand ?? ['sleep', String(this.drainSeconds)];
  }

  /** The container lifecycle, if a drain is needed. */
  public lifecycle(): k8s.Lifecycle | undefined {
    if (this.drainSeconds === 0) return undefined;
    return { preStop: { exec: { command: [...this.drainCommand] } } };
  }
}
