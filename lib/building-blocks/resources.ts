/**
 * Resource presets (as in Bitnami's common library): named sizes that an
 * explicit value overrides field by field. Every container gets cpu and memory
 * requests and a memory limit; no cpu limit by default, because cpu limits
 * throttle latency-sensitive servers while memory limits protect the node.
 */
import { parseQuantity } from '../vocabulary/quantity';

/** What a container asks for and may use: the scheduler places it by the requests, the kernel kills it above the memory limit. */
export interface Resources {
  /** CPU request, e.g. `250m`. */
  readonly cpuRequest: string;
  /** Memory request, e.g. `256Mi`. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. `512Mi`: the container is killed above it. */
  readonly memoryLimit: string;
  /**
   * CPU limit.
   * @default - none: the container may use idle cpu
   */
  readonly cpuLimit?: string;
}

/** Named sizes of requests and limits; `with()` changes one value of a preset. */
export class ResourcePreset {
  public static readonly NANO = new ResourcePreset('nano', { cpuRequest: '25m', memoryRequest: '32Mi', memoryLimit: '64Mi' });
  public static readonly MICRO = new ResourcePreset('micro', { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' });
  public static readonly SMALL = new ResourcePreset('small', { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' });
  public static readonly MEDIUM = new ResourcePreset('medium', { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' });
  public static readonly LARGE = new ResourcePreset('large', { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '1536Mi' });
  public static readonly XLARGE = new ResourcePreset('xlarge', { cpuRequest: '1', memoryRequest: '2Gi', memoryLimit: '3Gi' });
  public static readonly XXLARGE = new ResourcePreset('2xlarge', { cpuRequest: '2', memoryRequest: '4Gi', memoryLimit: '6Gi' });

  private constructor(public readonly name: string, public readonly resources: Resources) {}

  /** This preset with some fields replaced. */
  public with(overrides: Partial<Resources>): Resources {
    return { ...this.resources, ...overrides };
  }
}

/** Resolves a preset or explicit values and checks that they parse and are consistent. */
export function resolveResources(owner: string, value: ResourcePreset | Resources): Resources {
  const r = value instanceof ResourcePreset ? value.resources : value;
  const memRequest = parseQuantity(owner, 'resources.memoryRequest', r.memoryRequest);
  const memLimit = parseQuantity(owner, 'resources.memoryLimit', r.memoryLimit);
  const cpuRequest = parseQuantity(owner, 'resources.cpuRequest', r.cpuRequest);
  if (memRequest <= 0 || cpuRequest <= 0) {
    throw new Error(`${owner}: resources need a cpu and memory request above zero; got cpu ${r.cpuRequest}, memory ${r.memoryRequest}`);
  }
  if (memLimit < memRequest) {
    throw new Error(`${owner}: memoryLimit ${r.memoryLimit} is below memoryRequest ${r.memoryRequest}; raise the limit or lower the request`);
  }
  if (r.cpuLimit !== undefined && parseQuantity(owner, 'resources.cpuLimit', r.cpuLimit) < cpuRequest) {
    throw new Error(`${owner}: cpuLimit ${r.cpuLimit} is below cpuRequest ${r.cpuRequest}; raise the limit or lower the request`);
  }
  return r;
}

/** Resources as the container's `resources` field. */
export function renderResources(r: Resources): { requests: Record<string, string>; limits: Record<string, string> } {
  const limits: Record<string, string> = { memory: r.memoryLimit };
  if (r.cpuLimit !== undefined) limits.cpu = r.cpuLimit;
  return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits };
}
