/** Something a workload can connect to. */
export interface Connectable {
  /**
   * The environment a client connects with (values, or references to Secrets). `client` is the workload that
   * connects, so that a service can put what the client needs (e.g. its copy of credentials) in the client's own app.
   */
  connectionEnv(options?: ConnectOptions, client?: Workload): Record<string, EnvValue>;
  /** Lets `client` through the network policies of both sides. */
  allowClient(client: Workload): void;
}

/**
 * A set of pods run by a Deployment, StatefulSet or DaemonSet, with what
 * production needs and no app can forget: a ServiceAccount without an API
 * token, the restricted security context, resources and probes on every
 * container, a read-only root, a config hash, a disruption budget and spread
 * when there are 2+ replicas, and a NetworkPolicy of declared peers.
 */
import { createHash } from 'crypto';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { ANNOTATION } from '../vocabulary/annotations';
import { AppChart } from './app-chart';
import { ConnectOptions } from './connection';
import { checkEnvReferences, ContainerProps, renderContainer, writableVolumeName } from './container';
import { EnvValue } from './env-value';
import { Environment } from './environment';
import { Check, checkProps, PropsSpec } from './check-props';
import { CONTAINER, IDENTITY, POD_OPTIONS, Shapes } from './prop-shapes';
import { checkIdentity, recommendedLabels, selectorLabels, WorkloadIdentity } from './labels';
import { checkCount, checkDnsLabel, checkDnsSubdomain, checkEnvName } from './names';
import { PodOptions } from './pod-options';
import { parseQuantity } from '../vocabulary/quantity';
import { MAX_CRONJOB_NAME } from '../vocabulary/formats';
import { NetworkPeer, NetworkPeers, PortSpec, WorkloadNetworkPolicy } from './network-policy';
import { PodSecurityLevel } from '../vocabulary/pod-security-level';
import { restrictedPodSecurityContext } from './security';
import { InitProcess } from './signals';
import { ShutdownPolicy } from './shutdown';
import { ConfigSource, Volume } from './volumes';

/** The Kubernetes controller that runs a workload's pods. */
export class WorkloadKind {
  public static readonly DEPLOYMENT = new WorkloadKind('Deployment', false);
  public static readonly STATEFUL_SET = new WorkloadKind('StatefulSet', false);
  public static readonly DAEMON_SET = new WorkloadKind('DaemonSet', false);
  /** Runs to completion; its name carries a hash of the pod template, so a changed template is a new Job. */
  public static readonly JOB = new WorkloadKind('Job', true);
  /** Runs to completion on a schedule (see ScheduledJob, which checks the schedule). */
  public static readonly CRON_JOB = new WorkloadKind('CronJob', true);
  /** `runsToCompletion`: the pods exit when done (no replicas, no probes needed, restartPolicy Never). */
  private constructor(public readonly kind: string, public readonly runsToCompletion: boolean) {}
}

/** A persistent volume claim template of a StatefulSet. */
export interface VolumeClaim {
  /** Claim template name; containers mount it by this name. */
  readonly name: string;
  /** Requested size, e.g. `8Gi`. */
  readonly size: string;
  /**
   * StorageClass.
   * @default the environment's (the cluster default where that is unset)
   */
  readonly storageClassName?: string;
}

/** The settings of a StatefulSet. */
export interface StatefulOptions {
  /** The headless Service that gives members stable DNS names. */
  readonly serviceName: string;
  /**
   * `Parallel` starts members together (for peers that find each other); `OrderedReady` one by one.
   * @default 'OrderedReady'
   */
  readonly podManagementPolicy?: 'Parallel' | 'OrderedReady';
  /** Volume claim templates, one volume per member. @default - none */
  readonly volumeClaims?: readonly VolumeClaim[];
  /** Seconds a new member must stay Ready before the rollout moves on to the next one. @default 0 */
  readonly minReadySeconds?: number;
}

/** A hard spread across zones (see WorkloadProps.zoneSpread). */
export interface ZoneSpread {
  /**
   * Zones that must exist before a second pod may share one (`minDomains`): with the default maxSkew 1 no zone
   * then holds two pods while another zone holds none.
   */
  readonly minDomains: number;
}

/** The settings of a Job, or of a CronJob's Jobs. */
export interface JobOptions {
  /** Retries before the Job fails. @default 6 */
  readonly backoffLimit?: number;
  /** Seconds before a running Job is stopped. @default 600 */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds a finished Job is kept. Only for a CronJob's Jobs, and then longer than the schedule's period, or the
   * TTL removes failed runs (and their logs) before `failedJobsHistoryLimit` matters. A Job declared in dist (a
   * plain WorkloadKind.JOB) refuses it: once the TTL deleted it, the next `kubectl apply` or GitOps sync creates it
   * again and it runs again; ApplySet prune removes superseded (renamed) Jobs instead.
   * @default - none: a CronJob's history limits prune its Jobs
   */
  readonly ttlSecondsAfterFinished?: number;
}

/** The settings of a CronJob. */
export interface CronOptions {
  /** A checked five-field schedule or macro (see CronSchedule). */
  readonly schedule: string;
  /** IANA zone. @default - the kube-controller-manager's zone */
  readonly timeZone?: string;
  /** What happens when a run is due while the previous one still runs. @default 'Forbid' */
  readonly concurrencyPolicy?: 'Forbid' | 'Replace' | 'Allow';
  /** Seconds after the scheduled time a missed run may still start. @default 300 */
  readonly startingDeadlineSeconds?: number;
  /** Succeeded Jobs kept. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Suspends new runs. @default false */
  readonly suspend?: boolean;
}

/** The pods of a workload, the controller that runs them and how. */
export interface WorkloadProps extends PodOptions {
  /** Who the pods are; `partOf` and `version` are filled in from the app and the first container's image. */
  readonly identity: Pick<WorkloadIdentity, 'name' | 'instance' | 'component'>;
  /** The controller that runs the pods. @default WorkloadKind.DEPLOYMENT */
  readonly kind?: WorkloadKind;
  /** Number of pods. @default 1 (ignored for a DaemonSet) */
  readonly replicas?: number;
  /**
   * An autoscaler owns the replica count: the Deployment leaves `replicas` out, so an apply never resets it.
   * `replicas` is then the minimum, used for the disruption budget and spread.
   * @default false
   */
  readonly replicasManagedExternally?: boolean;
  /** The pod's main containers. */
  readonly containers: readonly ContainerProps[];
  /** Containers that run to completion before the main ones start. @default - none */
  readonly initContainers?: readonly ContainerProps[];
  /** Volumes beyond the emptyDirs of writable paths. @default - none */
  readonly volumes?: readonly Volume[];
  /** ConfigMaps and Secrets read through env that are not volumes; they join the config hash. @default - none */
  readonly configSources?: readonly ConfigSource[];
  /** How the pods stop. @default ShutdownPolicy.server() */
  readonly shutdown?: ShutdownPolicy;
  /** How signals reach the containers' programs. @default InitProcess.NONE */
  readonly initProcess?: InitProcess;
  /** Mount an API token: only for workloads that call the Kubernetes API. @default false */
  readonly automountServiceAccountToken?: boolean;
  /** Required for a StatefulSet. @default - none */
  readonly stateful?: StatefulOptions;
  /** Pods that may be down at once during voluntary disruptions. @default 1 */
  readonly maxUnavailable?: number;
  /** Spread pods across nodes (and zones where the environment says so). @default the environment's highAvailability */
  readonly spread?: boolean;
  /**
   * Where the environment spreads across zones: make it a hard rule (DoNotSchedule with minDomains) instead of best
   * effort, for quorums and replicas pinned to zonal volumes, where two members in one zone are lost together.
   * @default - best effort (ScheduleAnyway)
   */
  readonly zoneSpread?: ZoneSpread;
  /** The pods' PriorityClass. @default - none */
  readonly priorityClassName?: string;
  /** Whether the containers run until stopped (and so need probes). @default true, false for a Job */
  readonly longRunning?: boolean;
  /** For WorkloadKind.JOB and CRON_JOB. @default - the JobOptions defaults */
  readonly job?: JobOptions;
  /** Required for WorkloadKind.CRON_JOB. @default - none */
  readonly cron?: CronOptions;
}

export const JOB_OPTIONS: PropsSpec<JobOptions> = {
  backoffLimit: Check.integer(0),
  activeDeadlineSeconds: Check.integer(1),
  ttlSecondsAfterFinished: Check.integer(0),
};

const WORKLOAD_PROPS: PropsSpec<WorkloadProps> = {
  identity: Check.required(Check.object(IDENTITY)),
  kind: Check.instance(WorkloadKind, 'WorkloadKind.DEPLOYMENT, ...'),
  replicas: Check.integer(0, 1000),
  replicasManagedExternally: Check.boolean,
  containers: Check.required(Check.array(Check.object(CONTAINER))),
  initContainers: Check.array(Check.object(CONTAINER)),
  volumes: Check.array(Shapes.volume),
  configSources: Check.array(Check.any),
  shutdown: Shapes.shutdown,
  initProcess: Shapes.initProcess,
  automountServiceAccountToken: Check.boolean,
  stateful: Check.object<StatefulOptions>({
    serviceName: Check.required(Check.nonEmptyString),
    podManagementPolicy: Check.oneOf(['Parallel', 'OrderedReady']),
    volumeClaims: Check.array(Check.object<VolumeClaim>({ name: Check.required(Check.nonEmptyString), size: Check.required(Check.quantity), storageClassName: Check.nonEmptyString })),
    minReadySeconds: Check.integer(0, 3600),
  }),
  zoneSpread: Check.object<ZoneSpread>({ minDomains: Check.required(Check.integer(1, 100)) }),
  maxUnavailable: Check.integer(1),
  spread: Check.boolean,
  priorityClassName: Check.nonEmptyString,
  ...POD_OPTIONS,
  longRunning: Check.boolean,
  job: Check.object(JOB_OPTIONS),
  cron: Check.object<CronOptions>({
    schedule: Check.required(Check.nonEmptyString),
    timeZone: Check.string,
    concurrencyPolicy: Check.oneOf(['Forbid', 'Replace', 'Allow']),
    startingDeadlineSeconds: Check.integer(0),
    successfulJobsHistoryLimit: Check.integer(0),
    failedJobsHistoryLimit: Check.integer(0),
    suspend: Check.boolean,
  }),
};

/** A Kubernetes workload (Deployment, StatefulSet, DaemonSet, Job or CronJob) with its pod template and policies. */
export class Workload extends Construct {
  public readonly identity: WorkloadIdentity;
  public readonly env: Environment;
  public readonly namespace: string;
  public readonly replicas: number;
  public readonly kind: WorkloadKind;
  public readonly serviceAccountName: string;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly containers: readonly ContainerProps[];
  /** For a Job: its name, which changes with the pod template. */
  public jobName?: string;
  /** What connectTo connected these pods to, so that companions (a migration) can connect the same way. */
  public readonly connections: { readonly target: Connectable; readonly options?: ConnectOptions }[] = [];
  /** Volumes given at construction (not the writable emptyDirs), for companions that run the same container. */
  public readonly volumes: readonly Volume[];
  private readonly owner: string;
  private readonly configSources: ConfigSource[] = [];
  /** Env added after construction (connections), appended to every main container. */
  private readonly addedEnv: Record<string, EnvValue> = {};
  private readonly addedInitContainers: k8s.Container[] = [];
  /** Every pod volume: given, writable emptyDirs, and those of added init containers. */
  private readonly podVolumes: Volume[] = [];
  private readonly claimNames: string[];
  private readonly renderedContainers: k8s.Container[];
  /** Who copied the env and connections (a migration), after which they must not change. */
  private envCopiedBy?: string;
  /** A Deployment's progressDeadlineSeconds, when something (a migration gate) holds its rollout. */
  private progressDeadlineSeconds?: number;

  public constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id);
    checkProps(`workload '${id}'`, props, WORKLOAD_PROPS);
    const chart = AppChart.of(this);
    this.env = chart.env;
    this.namespace = chart.namespaceName;
    this.kind = props.kind ?? WorkloadKind.DEPLOYMENT;
    this.owner = `${props.identity.name} '${props.identity.instance}'`;
    if (props.containers.length === 0) throw new Error(`${this.owner}: a workload needs at least one container`);
    const main = props.containers[0];
    this.identity = checkIdentity(this.owner, { ...props.identity, partOf: chart.appName, version: main.image.version });
    this.containers = props.containers;
    this.replicas = this.kind === WorkloadKind.DAEMON_SET || this.kind.runsToCompletion ? 0 : checkCount(this.owner, 'replicas', props.replicas ?? 1, 0, 1000);
    const labels = recommendedLabels(this.identity);
    const podLabels = { ...this.extraPodLabels(props.podLabels ?? {}, labels), ...labels };
    const selector = selectorLabels(this.identity);
    const shutdown = props.shutdown ?? ShutdownPolicy.server();
    const initProcess = props.initProcess ?? InitProcess.NONE;

    if (props.longRunning ?? !this.kind.runsToCompletion) this.checkProbes(props);
    this.volumes = props.volumes ?? [];
    this.claimNames = (props.stateful?.volumeClaims ?? []).map((c) => c.name);
    this.addVolumes(this.volumes, [...(props.initContainers ?? []), ...props.containers]);
    this.checkPodSecurity(chart, props, this.podVolumes);
    for (const s of props.configSources ?? []) this.configSources.push(s);
    // Pull secrets are created out of band: listed as external references, which the gate checks and the synth prints.
    for (const name of props.imagePullSecrets ?? []) this.configSources.push({ kind: 'Secret', name, external: true, hashInput: () => `Secret/${name}/image-pull` });
    for (const c of [...props.containers, ...(props.initContainers ?? [])]) this.addSecretSources(c.env ?? {});

    this.serviceAccountName = this.identity.instance;
    // Its API token is mounted only when the workload calls the Kubernetes API.
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels: { ...labels } },
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    this.renderedContainers = props.containers.map((c) => renderContainer(c, { owner: this.owner, initProcess }));
    // The drain: plain JSON, patched in below, because the native sleep action is newer than our 1.27 API types.
    const lifecycles = props.containers.map((c) => shutdown.lifecycle(`${this.owner} container '${c.name}'`, c.image, this.env.config.minKubernetesVersion));
    // A Job's name hashes its spec, so only other kinds can grow after construction.
    const growable = this.kind !== WorkloadKind.JOB;
    const addedEnv = () => Object.entries(this.addedEnv).map(([name, value]) => value.render(name));
    const containers = !growable ? this.renderedContainers : this.renderedContainers.map((c) => ({
      ...c,
      env: Lazy.any({ produce: () => (c.env || addedEnv().length > 0 ? [...(c.env ?? []), ...addedEnv()] : undefined) }),
    }));
    const initContainers = props.initContainers?.map((c) => renderContainer(c, { owner: this.owner, initProcess: InitProcess.NONE })) ?? [];
    const allInit = () => [...this.addedInitContainers, ...initContainers];
    const volumeSpecs = () => this.podVolumes.map((v) => v.spec);
    const podSpec: k8s.PodSpec = {
      serviceAccountName: this.serviceAccountName,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      enableServiceLinks: false,
      shareProcessNamespace: initProcess === InitProcess.SHARED_PROCESS_NAMESPACE ? true : undefined,
      securityContext: restrictedPodSecurityContext({ uid: main.image.uid, gid: main.image.gid }),
      terminationGracePeriodSeconds: shutdown.terminationGracePeriodSeconds,
      priorityClassName: props.priorityClassName,
      // Both landed at once: the images' architecture, then the user's own node labels.
      nodeSelector: mergeSelectors(this.architectureSelector([...props.containers, ...(props.initContainers ?? [])]), props.nodeSelector),
      tolerations: props.tolerations ? [...props.tolerations] : undefined,
      affinity: props.affinity,
      imagePullSecrets: props.imagePullSecrets?.map((name) => ({ name: checkDnsSubdomain(this.owner, 'imagePullSecrets', name) })),
      topologySpreadConstraints: this.spreadConstraints(props, selector),
      initContainers: growable ? Lazy.any({ produce: () => (allInit().length > 0 ? allInit() : undefined) }) : initContainers.length > 0 ? initContainers : undefined,
      containers,
      volumes: growable ? Lazy.any({ produce: () => (this.podVolumes.length > 0 ? volumeSpecs() : undefined) }) : this.podVolumes.length > 0 ? volumeSpecs() : undefined,
      // Never, not OnFailure: when the Job fails (backoffLimit, activeDeadlineSeconds) the controller deletes its active
      // pods, and an OnFailure pod restarting in place is active, so its logs would go with it (kubernetes/website
      // concepts/workloads/controllers/job.md; job_controller.go deleteActivePods). Failed Never pods stay.
      restartPolicy: this.kind.runsToCompletion ? 'Never' : undefined,
    };
    const extraAnnotations = props.podAnnotations ?? {};
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: podLabels, annotations: Lazy.any({ produce: () => this.podAnnotations(extraAnnotations) }) },
      spec: podSpec,
    };
    const { resource, podSpecPath } = this.renderController(props, labels, selector, template, lifecycles);
    // After the typed rendering: the generated toJson keeps only fields of the 1.27 API, so it would lose `sleep`.
    // Set in place (as a JSON patch `add` would, a copy at each rendering), without a patch's clone of every operation.
    if (lifecycles.some((l) => l)) {
      const typed = resource.toJson.bind(resource);
      const podSpecKeys = podSpecPath.split('/').slice(1);
      resource.toJson = () => {
        const json = typed();
        const containers = podSpecKeys.reduce((o, k) => o[k], json).containers;
        lifecycles.forEach((lifecycle, i) => {
          if (lifecycle) containers[i].lifecycle = JSON.parse(JSON.stringify(lifecycle));
        });
        return json;
      };
    }
    if (this.replicas >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: { name: this.identity.instance, namespace: this.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          maxUnavailable: k8s.IntOrString.fromNumber(checkCount(this.owner, 'maxUnavailable', props.maxUnavailable ?? 1, 1, this.replicas - 1)),
        },
      });
    }
    this.networkPolicy = new WorkloadNetworkPolicy(this, 'network-policy', { name: this.identity.instance, namespace: this.namespace, labels, podSelector: selector });
  }

  /** The stable labels that select these pods. */
  public get selector(): Record<string, string> {
    return selectorLabels(this.identity);
  }

  public get name(): string {
    return this.identity.instance;
  }

  /** These pods, as a NetworkPolicy peer. */
  public get peer(): NetworkPeer {
    return NetworkPeers.pods(`${this.identity.instance} (${this.namespace})`, this.namespace, this.selector);
  }

  /** Lets `client` reach these pods on `ports`, adding the rule on both sides. */
  public allowFrom(client: Workload, ports: readonly PortSpec[]): void {
    this.networkPolicy.allowIngress(client.peer, ports);
    client.networkPolicy.allowEgress(this.peer, ports);
  }

  /** Lets pods that are not workloads of ours (an ingress controller, a Job) in. */
  public allowIngressFrom(peer: NetworkPeer, ports: readonly PortSpec[]): void {
    this.networkPolicy.allowIngress(peer, ports);
  }

  /**
   * Lets these pods call the Kubernetes API: only its endpoints and ports, as the environment lists them
   * (NetworkPolicy sees the endpoints after the `kubernetes` Service is resolved, not 10.96.0.1:443).
   */
  public allowApiServer(): void {
    const api = this.env.config.apiServer;
    for (const cidr of api.cidrs) this.networkPolicy.allowEgress(NetworkPeers.cidr(cidr, [], 'Kubernetes API'), api.ports.map((port) => ({ port })));
  }

  /** Lets these pods reach something outside the catalogue (an external database, the Kubernetes API). */
  public allowEgressTo(peer: NetworkPeer, ports: readonly PortSpec[]): void {
    this.networkPolicy.allowEgress(peer, ports);
  }

  /**
   * Connects these pods to a service: its environment is appended to every
   * container, and the network policies of both sides allow the traffic.
   */
  public connectTo(target: Connectable, options?: ConnectOptions): void {
    this.addEnv(target.connectionEnv(options, this));
    target.allowClient(this);
    this.connections.push({ target, options });
  }

  /** The env of a main container: what it was created with, then what connections added. */
  public envOf(containerName: string): Record<string, EnvValue> {
    const c = this.containers.find((x) => x.name === containerName);
    if (!c) throw new Error(`${this.owner}: no container '${containerName}'; known: ${this.containers.map((x) => x.name).join(', ')}`);
    return { ...c.env, ...this.addedEnv };
  }

  /** Adds an init container (e.g. one that waits for a migration) and the volumes only it mounts. */
  public addInitContainer(container: ContainerProps, volumes: readonly Volume[] = []): void {
    if (this.kind === WorkloadKind.JOB) throw new Error(`${this.owner}: a Job's name is fixed when it is created; give init containers in the props instead`);
    this.addVolumes(volumes, [container]);
    this.addedInitContainers.push(renderContainer(container, { owner: this.owner, initProcess: InitProcess.NONE }));
  }

  /** Refuses env and connections added from now on, because `by` copied them (a Job's name is fixed when created). */
  public refuseEnvChanges(by: string): void {
    this.envCopiedBy ??= by;
  }

  /**
   * Lets a Deployment's rollout wait `seconds` for something else (a migration) before it reports
   * ProgressDeadlineExceeded. The largest request wins; other kinds have no progress deadline.
   */
  public holdRolloutFor(seconds: number): void {
    this.progressDeadlineSeconds = Math.max(this.progressDeadlineSeconds ?? 0, checkCount(this.owner, 'progress deadline', seconds, 1));
  }

  /** Appends variables to every container, after the ones they were created with. */
  public addEnv(env: Readonly<Record<string, EnvValue>>): void {
    if (this.envCopiedBy) {
      throw new Error(`${this.owner}: env ${Object.keys(env).join(', ')} comes after ${this.envCopiedBy} was created, so it would never see it; connect and add env before creating it`);
    }
    if (this.kind === WorkloadKind.JOB) {
      throw new Error(`${this.owner}: a Job's name is fixed when it is created; give its env in the container props instead`);
    }
    const added = Object.entries(env).map(([name, value]) => value.render(checkEnvName(this.owner, name)));
    for (const c of this.renderedContainers) {
      const existing = [...(c.env ?? []), ...Object.entries(this.addedEnv).map(([name, value]) => value.render(name))];
      const clash = added.find((e) => existing.some((x) => x.name === e.name));
      if (clash) throw new Error(`${this.owner} container '${c.name}': env ${clash.name} is already set; connect with another envPrefix or drop the variable`);
      checkEnvReferences(`${this.owner} container '${c.name}'`, [...existing, ...added]);
    }
    Object.assign(this.addedEnv, env);
    this.addSecretSources(env);
  }

  /** Secrets read through env join the config hash and the external-reference list. */
  private addSecretSources(env: Readonly<Record<string, EnvValue>>): void {
    for (const value of Object.values(env)) {
      const secret = value.secret;
      if (secret) this.configSources.push({ kind: 'Secret', name: secret.name, external: secret.external, hashInput: () => secret.hashInput() });
    }
  }

  /** Adds a config source read outside volumes and env (e.g. by a script), so its changes roll the pods. */
  public addConfigSource(source: ConfigSource): void {
    if (this.kind === WorkloadKind.JOB) {
      throw new Error(`${this.owner}: a Job's name is fixed when it is created; pass ${source.kind} '${source.name}' in configSources instead`);
    }
    this.configSources.push(source);
  }

  /** Images published for some architectures only pin the pods to nodes of one they share. */
  private architectureSelector(containers: readonly ContainerProps[]): Record<string, string> | undefined {
    const limited = containers.filter((c) => c.image.architectures);
    if (limited.length === 0) return undefined;
    const common = limited.map((c) => c.image.architectures!).reduce((a, b) => a.filter((x) => b.includes(x)));
    if (common.length === 0) {
      throw new Error(`${this.owner}: images ${limited.map((c) => `${c.image.reference} (${c.image.architectures!.join(', ')})`).join(' and ')} share no architecture; use images built for a common one`);
    }
    // A nodeSelector takes one value per key; an image for several listed architectures is left to any node.
    return common.length === 1 ? { 'kubernetes.io/arch': common[0] } : undefined;
  }

  /** Root users and host paths need the namespace to declare a lower level, with its reason. */
  private checkPodSecurity(chart: AppChart, props: WorkloadProps, volumes: readonly Volume[]): void {
    const level = chart.podSecurity?.level ?? PodSecurityLevel.RESTRICTED;
    const root = [...props.containers, ...(props.initContainers ?? [])].find((c) => c.image.uid === 0);
    if (root && level.strictness > PodSecurityLevel.BASELINE.strictness) {
      throw new Error(`${this.owner} container '${root.name}': runs as root, which Pod Security 'restricted' forbids; run it as a user, or give the app podSecurity baseline with a reason`);
    }
    const host = volumes.find((v) => v.spec.hostPath);
    if (host && level !== PodSecurityLevel.PRIVILEGED) {
      throw new Error(`${this.owner}: volume '${host.name}' is a hostPath, which only Pod Security 'privileged' allows; give the app podSecurity privileged with a reason`);
    }
  }

  private checkProbes(props: WorkloadProps): void {
    for (const c of props.containers) {
      if (!c.probes?.liveness && !c.probes?.readiness && !c.probes?.startup) {
        throw new Error(`${this.owner} container '${c.name}': a long-running container needs a probe; give probes.liveness and probes.readiness`);
      }
    }
  }

  /**
   * Adds volumes and the writable emptyDirs of `containers`, refusing a name used twice and a mount of no volume;
   * config volumes join the config hash.
   */
  private addVolumes(volumes: readonly Volume[], containers: readonly ContainerProps[]): void {
    const added = [...volumes];
    for (const c of containers) for (const path of c.writablePaths ?? []) added.push(Volume.emptyDir(writableVolumeName(c.name, path)));
    const seen = new Set(this.podVolumes.map((v) => v.name));
    for (const v of added) {
      if (seen.has(v.name)) throw new Error(`${this.owner}: volume '${v.name}' is defined twice; give each volume its own name`);
      seen.add(v.name);
      if (v.source) this.configSources.push(v.source);
    }
    const known = new Set([...seen, ...this.claimNames]);
    for (const c of containers) {
      for (const m of c.mounts ?? []) {
        if (!known.has(m.volume)) {
          throw new Error(`${this.owner} container '${c.name}': mount of '${m.volume}' at ${m.path} names no volume; known volumes: ${[...known].join(', ') || 'none'}`);
        }
      }
    }
    this.podVolumes.push(...added);
  }

  /**
   * Retries, a run deadline, a failure policy and an optional TTL, checked. The failure policy (beta and on by
   * default from 1.26, GA 1.31; it requires restartPolicy Never) does not count pods killed by a disruption (drain,
   * preemption, eviction: condition DisruptionTarget) against backoffLimit, as in the Job docs' example.
   */
  private jobSpec(job: JobOptions = {}): Pick<k8s.JobSpec, 'backoffLimit' | 'activeDeadlineSeconds' | 'ttlSecondsAfterFinished' | 'podFailurePolicy'> {
    if (this.kind === WorkloadKind.JOB && job.ttlSecondsAfterFinished !== undefined) {
      throw new Error(
        `${this.owner}: job.ttlSecondsAfterFinished ${job.ttlSecondsAfterFinished} on a Job that lives in dist makes the next apply create it again and re-run it; ` +
          'drop ttlSecondsAfterFinished (ApplySet prune removes superseded Jobs)',
      );
    }
    return {
      backoffLimit: checkCount(this.owner, 'backoffLimit', job.backoffLimit ?? 6, 0, 100),
      activeDeadlineSeconds: checkCount(this.owner, 'activeDeadlineSeconds', job.activeDeadlineSeconds ?? 600, 1),
      ttlSecondsAfterFinished: job.ttlSecondsAfterFinished === undefined ? undefined : checkCount(this.owner, 'ttlSecondsAfterFinished', job.ttlSecondsAfterFinished, 0),
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
    };
  }

  private spreadConstraints(props: WorkloadProps, selector: Record<string, string>): k8s.TopologySpreadConstraint[] | undefined {
    const spread = props.spread ?? this.env.highAvailability;
    if (!spread || this.replicas < 2) return undefined;
    // With maxSkew 1, DoNotSchedule per node still schedules on a single-node
    // cluster; zones are best effort unless the workload asks for a hard rule (zoneSpread), as members pinned to
    // zonal volumes do.
    const matchLabelKeys = this.kind === WorkloadKind.DEPLOYMENT ? ['pod-template-hash'] : undefined;
    const constraints: k8s.TopologySpreadConstraint[] = [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector }, matchLabelKeys },
    ];
    if (this.env.config.spreadAcrossZones) {
      const hard = props.zoneSpread;
      const minDomains = hard ? checkCount(this.owner, 'zoneSpread.minDomains', hard.minDomains, 1, 100) : undefined;
      constraints.push({
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: hard ? 'DoNotSchedule' : 'ScheduleAnyway',
        minDomains,
        labelSelector: { matchLabels: selector },
        matchLabelKeys,
      });
    }
    return constraints;
  }

  /** Extra pod labels: valid keys and values, and none of the recommended labels, which selectors and tools rely on. */
  private extraPodLabels(extra: Readonly<Record<string, string>>, recommended: Readonly<Record<string, string>>): Record<string, string> {
    for (const [key, value] of Object.entries(extra)) {
      if (key in recommended) throw new Error(`${this.owner}: podLabels sets ${key}, which the workload sets itself; use a label key of your own`);
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
        throw new Error(`${this.owner}: podLabels key '${key}' is not a label key; use an optional DNS prefix and a name of up to 63 letters, digits, '-', '_' or '.'`);
      }
      if (!/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) {
        throw new Error(`${this.owner}: podLabels ${key} value '${value}' is not a label value; use up to 63 letters, digits, '-', '_' or '.'`);
      }
    }
    return { ...extra };
  }

  private podAnnotations(extra: Readonly<Record<string, string>>): Record<string, string> | undefined {
    const annotations: Record<string, string> = { ...extra };
    const configHash = this.configHash();
    if (configHash) annotations[ANNOTATION.configHash] = configHash;
    const external = [...new Set(this.configSources.filter((s) => s.external).map((s) => `${s.kind}/${s.name}`))].sort();
    if (external.length > 0) annotations[ANNOTATION.externalRefs] = external.join(',');
    return Object.keys(annotations).length > 0 ? annotations : undefined;
  }

  /** A hash of every ConfigMap and Secret the pods read, or undefined when they read none. */
  private configHash(): string | undefined {
    if (this.configSources.length === 0) return undefined;
    const inputs = [...new Set(this.configSources.map((s) => s.hashInput()))].sort();
    return createHash('sha256').update(inputs.join('\n')).digest('hex').slice(0, 16);
  }

  /** The controller object and the JSON pointer of its pod spec; `lifecycles` join a Job's name hash. */
  private renderController(
    props: WorkloadProps,
    labels: Record<string, string>,
    selector: Record<string, string>,
    template: k8s.PodTemplateSpec,
    lifecycles: readonly (Record<string, unknown> | undefined)[],
  ): { resource: ApiObject; podSpecPath: string } {
    const metadata = { name: this.identity.instance, namespace: this.namespace, labels };
    // The CronJob controller appends an 11-character suffix to the names of its Jobs (batch ValidateCronJobCreate:
    // at most 52); a StatefulSet's pods carry the label controller-revision-hash=<name>-<hash of up to 10>, at most 63.
    if (this.kind === WorkloadKind.CRON_JOB || this.kind === WorkloadKind.STATEFUL_SET) checkDnsLabel(this.owner, 'instance name', metadata.name, MAX_CRONJOB_NAME);
    const podSpecPath = '/spec/template/spec';
    if (this.kind === WorkloadKind.DEPLOYMENT) {
      const resource = new k8s.KubeDeployment(this, 'resource', {
        metadata,
        spec: {
          replicas: props.replicasManagedExternally ? undefined : this.replicas,
          revisionHistoryLimit: 5,
          progressDeadlineSeconds: Lazy.any({ produce: () => this.progressDeadlineSeconds }),
          selector: { matchLabels: selector },
          // Never below the wanted count during a rollout: new pods must be ready first.
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template,
        },
      });
      return { resource, podSpecPath };
    } else if (this.kind === WorkloadKind.STATEFUL_SET) {
      if (!props.stateful) throw new Error(`${this.owner}: a StatefulSet needs stateful.serviceName, the headless Service of its members`);
      checkDnsLabel(this.owner, 'stateful.serviceName', props.stateful.serviceName);
      const resource = new k8s.KubeStatefulSet(this, 'resource', {
        metadata,
        spec: {
          replicas: this.replicas,
          revisionHistoryLimit: 5,
          serviceName: props.stateful.serviceName,
          podManagementPolicy: props.stateful.podManagementPolicy ?? 'OrderedReady',
          minReadySeconds: props.stateful.minReadySeconds !== undefined ? checkCount(this.owner, 'stateful.minReadySeconds', props.stateful.minReadySeconds, 0, 3600) : undefined,
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate' },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template,
          volumeClaimTemplates: props.stateful.volumeClaims?.map((c) => ({
            metadata: { name: checkDnsLabel(this.owner, 'volume claim name', c.name), labels: selector },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: c.storageClassName ?? this.env.config.storageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(checkSize(this.owner, c)) } },
            },
          })),
        },
      });
      return { resource, podSpecPath };
    } else if (this.kind === WorkloadKind.JOB) {
      // Job templates are immutable: a new template (spec or config it reads) needs a new name, so the name carries its hash.
      const hash = createHash('sha256').update(JSON.stringify(template.spec)).update(this.configHash() ?? '');
      if (lifecycles.some((l) => l)) hash.update(JSON.stringify(lifecycles));
      this.jobName = `${this.identity.instance.slice(0, 63 - 9)}-${hash.digest('hex').slice(0, 8)}`;
      const resource = new k8s.KubeJob(this, 'resource', {
        metadata: { ...metadata, name: this.jobName },
        spec: {
          ...this.jobSpec(props.job),
          template,
        },
      });
      return { resource, podSpecPath };
    } else if (this.kind === WorkloadKind.CRON_JOB) {
      const cron = props.cron;
      if (!cron) throw new Error(`${this.owner}: a CronJob needs cron.schedule; use ScheduledJob, which checks it`);
      const resource = new k8s.KubeCronJob(this, 'resource', {
        metadata,
        spec: {
          schedule: cron.schedule,
          timeZone: cron.timeZone,
          concurrencyPolicy: cron.concurrencyPolicy ?? 'Forbid',
          startingDeadlineSeconds: checkCount(this.owner, 'startingDeadlineSeconds', cron.startingDeadlineSeconds ?? 300, 10),
          successfulJobsHistoryLimit: checkCount(this.owner, 'successfulJobsHistoryLimit', cron.successfulJobsHistoryLimit ?? 3, 0, 100),
          failedJobsHistoryLimit: checkCount(this.owner, 'failedJobsHistoryLimit', cron.failedJobsHistoryLimit ?? 3, 0, 100),
          suspend: cron.suspend ?? false,
          jobTemplate: {
            metadata: { labels },
            spec: {
              ...this.jobSpec(props.job),
              template,
            },
          },
        },
      });
      return { resource, podSpecPath: '/spec/jobTemplate/spec/template/spec' };
    } else {
      const resource = new k8s.KubeDaemonSet(this, 'resource', {
        metadata,
        spec: {
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          template,
        },
      });
      return { resource, podSpecPath };
    }
  }
}

function checkSize(owner: string, claim: VolumeClaim): string {
  if (parseQuantity(owner, `volume claim '${claim.name}' size`, claim.size) <= 0) {
    throw new Error(`${owner}: volume claim '${claim.name}' size ${claim.size} must be above zero; use a size like 8Gi`);
  }
  return claim.size;
}

function mergeSelectors(...selectors: (Readonly<Record<string, string>> | undefined)[]): Record<string, string> | undefined {
  const merged = Object.assign({}, ...selectors.filter((x) => x !== undefined)) as Record<string, string>;
  return Object.keys(merged).length > 0 ? merged : undefined;
}
