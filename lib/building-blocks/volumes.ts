/**
 * Pod volumes. Config volumes remember their source so that the pod's config
 * hash and the reference check see them.
 */
import * as k8s from '../../imports/k8s';
import { checkDnsLabel } from './names';
import { SecretRef } from './secrets';
import { parseQuantity } from '../vocabulary/quantity';

/** Something whose content a pod reads: a ConfigMap or a Secret. */
export interface ConfigSource {
  /** Which kind of object it is. */
  readonly kind: 'ConfigMap' | 'Secret';
  /** The object's name. */
  readonly name: string;
  /** True when the object is created outside the synth. */
  readonly external: boolean;
  /** A string that changes whenever the content changes. */
  hashInput(): string;
}

/** How a ConfigMap or Secret is projected into a volume. */
export interface ConfigVolumeOptions {
  /** File mode of the projected files, e.g. 0o440. @default 0o444 for ConfigMaps, 0o440 for Secrets */
  readonly defaultMode?: number;
  /** Project only some keys, as key → file path. @default every key */
  readonly items?: Readonly<Record<string, string>>;
}

/** A volume of a pod: an emptyDir, a ConfigMap or Secret, a claim. */
export class Volume {
  public static emptyDir(name: string, options: { medium?: 'Memory'; sizeLimit?: string } = {}): Volume {
    checkDnsLabel('volume', 'name', name);
    if (options.sizeLimit !== undefined) parseQuantity(`volume '${name}'`, 'sizeLimit', options.sizeLimit);
    return new Volume({
      name,
      emptyDir: { medium: options.medium, sizeLimit: options.sizeLimit ? k8s.Quantity.fromString(options.sizeLimit) : undefined },
    });
  }

  public static fromConfigMap(name: string, source: ConfigSource, options: ConfigVolumeOptions = {}): Volume {
    return new Volume(
      { name: checkDnsLabel('volume', 'name', name), configMap: { name: source.name, defaultMode: options.defaultMode ?? 0o444, items: items(options) } },
      source,
    );
  }

  public static fromSecret(name: string, secret: SecretRef, options: ConfigVolumeOptions = {}): Volume {
    if (!(secret instanceof SecretRef)) {
      throw new Error(`volume '${name}': secret is not a SecretRef; pass the ref a construct made (e.g. a database's credentials), not a name or a SecretSource`);
    }
    for (const key of Object.keys(options.items ?? {})) secret.assertKey(key);
    const source: ConfigSource = { kind: 'Secret', name: secret.name, external: secret.external, hashInput: () => secret.hashInput() };
    return new Volume(
      { name: checkDnsLabel('volume', 'name', name), secret: { secretName: secret.name, defaultMode: options.defaultMode ?? 0o440, items: items(options) } },
      source,
    );
  }

  /** A PersistentVolumeClaim of the synth (the reference check finds it). */
  public static persistentClaim(name: string, claimName: string): Volume {
    return new Volume({ name: checkDnsLabel('volume', 'name', name), persistentVolumeClaim: { claimName } });
  }

  /**
   * The pod's ServiceAccount token, the cluster CA and the namespace, where the in-cluster clients look for them;
   * mounted into one container only, so the pod can keep `automountServiceAccountToken: false`.
   */
  public static serviceAccountToken(name: string, expirationSeconds = 3600): Volume {
    return new Volume({
      name: checkDnsLabel('volume', 'name', name),
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardApi: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
  }

  /** A read-only host path (log shippers only: it needs a lowered Pod Security level). */
  public static hostPath(name: string, path: string, type: 'Directory' | 'DirectoryOrCreate' | 'File' = 'Directory'): Volume {
    return new Volume({ name: checkDnsLabel('volume', 'name', name), hostPath: { path, type } });
  }

  private constructor(public readonly spec: k8s.Volume, public readonly source?: ConfigSource) {}

  public get name(): string {
    return this.spec.name;
  }
}

function items(options: ConfigVolumeOptions): k8s.KeyToPath[] | undefined {
  if (!options.items) return undefined;
  return Object.entries(options.items).map(([key, path]) => ({ key, path }));
}
