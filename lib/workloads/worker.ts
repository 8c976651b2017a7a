/**
 * A long-running process without a Service (a queue consumer, a scheduler
 * loop): a Deployment with the worker shutdown policy (no drain, time to
 * finish the current message) and the probes the caller knows how to answer.
 */
import { Construct } from 'constructs';
import { Check, checkProps, PropsSpec } from '../building-blocks/check-props';
import { ConnectOptions } from '../building-blocks/connection';
import { CONTAINER_PORT, PROBES, SERVICE_CONTAINER, Shapes } from '../building-blocks/prop-shapes';
import { ContainerPort } from '../building-blocks/container';
import { Probes } from '../building-blocks/probes';
import { buildServiceContainer, ServiceContainerProps } from '../building-blocks/service-container';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { InitProcess } from '../building-blocks/signals';
import { Connectable, Workload } from '../building-blocks/workload';

/** The settings of a Worker. */
export interface WorkerProps extends ServiceContainerProps {
  /** A worker has no port to probe by default: say how to tell it is alive (an exec command or a health port). */
  readonly probes: Probes;
  /** How the pods stop. @default ShutdownPolicy.worker({ shutdownSeconds: 30 }) */
  readonly shutdown?: ShutdownPolicy;
  /** For processes that spawn children and do not reap them. @default InitProcess.NONE */
  readonly initProcess?: InitProcess;
  /** Ports of the main container (a health or metrics port; a worker has no Service). @default - none */
  readonly ports?: readonly ContainerPort[];
}

const WORKER_PROPS: PropsSpec<WorkerProps> = {
  ...SERVICE_CONTAINER,
  probes: Check.required(Check.object(PROBES)),
  shutdown: Shapes.shutdown,
  initProcess: Shapes.initProcess,
  ports: Check.array(Check.object(CONTAINER_PORT)),
};

/** A long-running process without a Service, run as a Deployment. */
export class Worker extends Construct {
  public readonly workload: Workload;

  public constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    checkProps<WorkerProps>(`worker '${id}'`, props, WORKER_PROPS);
    const built = buildServiceContainer(this, id, props);
    this.workload = new Workload(this, 'workload', {
      identity: { name: id, instance: id, component: 'worker' },
      replicas: built.replicas,
      shutdown: props.shutdown ?? ShutdownPolicy.worker({ shutdownSeconds: 30 }),
      initProcess: props.initProcess,
      volumes: built.volumes,
      ...built.pod,
      containers: [{ ...built.container, ports: props.ports, probes: props.probes }, ...built.sidecars],
    });
  }

  /** Puts the target's connection settings into the env and opens both network policies. */
  public connectTo(target: Connectable, options?: ConnectOptions): this {
    this.workload.connectTo(target, options);
    return this;
  }
}
