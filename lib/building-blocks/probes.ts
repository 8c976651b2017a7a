/**
 * Health probes. Long-running containers must have them; constructors pick
 * the kind that tells the truth about the process (an HTTP health path, a TCP
 * port, or a command such as `mongosh --eval ping`).
 */
import * as k8s from '../../imports/k8s';
import { checkPort } from './names';
import { portNameProblem } from '../vocabulary/formats';

/** When and how often a probe runs, and how many failures count. */
export interface ProbeTiming {
  /** Seconds after the container starts before the first probe. @default 0 */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds a probe may take before it counts as failed. @default 5 */
  readonly timeoutSeconds?: number;
  /** Failures in a row before the probe's action (restart, or no traffic). @default 3 */
  readonly failureThreshold?: number;
}

/** A check the kubelet runs in a container: an HTTP GET, a TCP connect or a command. */
export class Probe {
  public static http(path: string, port: number | string, timing: ProbeTiming = {}): Probe {
    if (!path.startsWith('/')) throw new Error(`probe path '${path}' must start with '/'`);
    return new Probe({ httpGet: { path, port: portValue(port) } }, timing);
  }

  public static tcp(port: number | string, timing: ProbeTiming = {}): Probe {
    return new Probe({ tcpSocket: { port: portValue(port) } }, timing);
  }

  /** A command in exec form; it must exit 0 when healthy. */
  public static exec(command: readonly string[], timing: ProbeTiming = {}): Probe {
    if (command.length === 0) throw new Error('probe command is empty; give the program and its arguments');
    return new Probe({ exec: { command: [...command] } }, timing);
  }

  private constructor(private readonly handler: Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec'>, private readonly timing: ProbeTiming) {}

  /** The named port this probe checks, which the container must declare; undefined for numbers and commands. */
  public get portName(): string | undefined {
    const port = this.handler.httpGet?.port ?? this.handler.tcpSocket?.port;
    const value = port?.value;
    return typeof value === 'string' ? value : undefined;
  }

  public render(): k8s.Probe {
    return {
      ...this.handler,
      initialDelaySeconds: this.timing.initialDelaySeconds ?? 0,
      periodSeconds: this.timing.periodSeconds ?? 10,
      timeoutSeconds: this.timing.timeoutSeconds ?? 5,
      failureThreshold: this.timing.failureThreshold ?? 3,
    };
  }
}

/** A named port stays a name (it must match a container port); a number is checked. */
function portValue(port: number | string): k8s.IntOrString {
  if (typeof port === 'string') {
    const problem = portNameProblem(port);
    if (problem) throw new Error(`probe port '${port}' ${problem}; use the name of a container port, e.g. 'http'`);
    return k8s.IntOrString.fromString(port);
  }
  return k8s.IntOrString.fromNumber(checkPort('probe', 'port', port));
}

/** The probes of a container. */
export interface Probes {
  /** Restarts a stuck process. @default - none */
  readonly liveness?: Probe;
  /** Gates traffic: required for containers behind a Service. @default - none */
  readonly readiness?: Probe;
  /** Holds the other probes off during a slow first start. @default - none */
  readonly startup?: Probe;
}
