/**
 * Graceful shutdown. When a pod is deleted, endpoint removal and SIGTERM race:
 * a `preStop` drain keeps the process serving until load balancers have
 * forgotten it, then the app gets SIGTERM and its own shutdown time. The grace
 * period must cover both, or the kubelet sends SIGKILL mid-shutdown.
 */
import { isAtLeast } from '../vocabulary/kubernetes-version';
import { ContainerImage } from './image';

/** The first release with the native `sleep` preStop action on by default (KEP-3960: beta 1.30, GA 1.34). */
export const NATIVE_SLEEP_SINCE = '1.30';

/** How a process is stopped: drain time, grace period and drain command. */
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
   * @default - the kubelet's native sleep action where the environment's minimum Kubernetes is 1.30 or later,
   * else `['sleep', '<drainSeconds>']`, which needs an image that declares `hasSleep`
   */
  readonly drainCommand?: readonly string[];
}

/** How a workload's pods are shut down: what runs before SIGTERM and how long they get to exit. */
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
  private readonly drainCommand?: readonly string[];

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
    if (props.drainCommand?.length === 0) throw new Error('shutdown policy: drainCommand is empty; give a command in exec form, or leave it out for the default drain');
    this.drainCommand = props.drainCommand;
  }

  /**
   * The container's `lifecycle`, as plain JSON, if a drain is needed. A preStop that cannot run is no drain: the
   * kubelet records FailedPreStopHook and sends SIGTERM at once (kuberuntime_container.go executePreStopHook). So the
   * default is the kubelet's own sleep (no program in the image) where every cluster has it, else `sleep` in an image
   * that declares it, else an error. The sleep action is not in the 1.27 API types we generate from, hence plain JSON.
   */
  public lifecycle(owner: string, image: ContainerImage, minKubernetesVersion: string): Record<string, unknown> | undefined {
    if (this.drainSeconds === 0) return undefined;
    if (this.drainCommand) return { preStop: { exec: { command: [...this.drainCommand] } } };
    // Accepted for 0 < seconds <= terminationGracePeriodSeconds (validateSleepAction), which the constructor ensures.
    if (isAtLeast(minKubernetesVersion, NATIVE_SLEEP_SINCE)) return { preStop: { sleep: { seconds: this.drainSeconds } } };
    if (image.hasSleep) return { preStop: { exec: { command: ['sleep', String(this.drainSeconds)] } } };
    throw new Error(
      `${owner}: the ${this.drainSeconds}s drain before SIGTERM needs the native sleep action (Kubernetes ${NATIVE_SLEEP_SINCE}+, but the environment's ` +
        `minKubernetesVersion is ${minKubernetesVersion}) or a sleep program in image '${image.reference}', which does not declare one; ` +
        `declare it with ContainerImage.of('${image.reference}', { hasSleep: true }), give shutdown drainCommand, or raise minKubernetesVersion to ${NATIVE_SLEEP_SINCE}`,
    );
  }
}
