/**
 * Credentials. A secret value is never a literal in source and never in a
 * production `dist/`: a workload asks for named keys and the source decides
 * where they come from (an existing Secret, an ExternalSecret, or, only in
 * the local environment, generated development values).
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { ANNOTATION } from '../vocabulary/annotations';
import { Environment } from './environment';

/** One key a Secret must hold. */
export interface SecretKeySpec {
  /** The key's name in the Secret. */
  readonly key: string;
  /** What the value is, for error messages and READMEs. */
  readonly description: string;
  /**
   * How to make a value: shown in the `kubectl create secret` command, used for development values.
   * `given` values (a connection string, an API key) cannot be made up: the user supplies them.
   */
  readonly generate: 'password' | 'keyfile' | 'given';
  /**
   * The key may be absent, e.g. the previous password during a rotation: it is read with `optional: true`, left out
   * of the create command and of development values, and an ExternalSecret need not map it.
   * @default false
   */
  readonly optional?: boolean;
}

/** What a construct asks of a SecretSource: the keys it needs and where. */
export interface SecretRequest {
  /** Error-message owner, e.g. `mongodb 'rocketchat-mongodb'`. */
  readonly owner: string;
  /** The Secret's name when the source does not name one. */
  readonly defaultName: string;
  /** The namespace the Secret must be in. */
  readonly namespace: string;
  /** The keys the Secret must hold. */
  readonly keys: readonly SecretKeySpec[];
  /** The environment, which decides whether development values are allowed. */
  readonly env: Environment;
  /** Labels for an object the source creates. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * What development values are derived from, for one credential kept in two namespaces (a server's and a client's
   * copy), which must then hold the same value.
   * @default - the namespace and the Secret's name
   */
  readonly developmentSeed?: string;
}

/** Where a Secret comes from. */
export type SecretOrigin = 'existing' | 'external-secret' | 'development';

/** A Secret a workload can read keys from. */
export class SecretRef {
  public constructor(
    public readonly name: string,
    public readonly origin: SecretOrigin,
    public readonly keys: readonly SecretKeySpec[],
    /** Changes when the content changes, where the synth can know it. */
    private readonly hashSeed: string,
  ) {}

  /** True when the Secret object is not in the synth output (it is created out of band). */
  public get external(): boolean {
    return this.origin === 'existing';
  }

  public assertKey(key: string): void {
    if (!this.keys.some((k) => k.key === key)) {
      throw new Error(`secret '${this.name}' has no key '${key}'; known keys: ${this.keys.map((k) => k.key).join(', ')}`);
    }
  }

  public hashInput(): string {
    return `Secret/${this.name}/${this.origin}/${this.hashSeed}`;
  }

  /** Whether a key may be absent from the Secret. */
  public isOptional(key: string): boolean {
    return this.keys.find((k) => k.key === key)?.optional === true;
  }

  /** The same Secret with a rotation stamp in its hash input, so the pods that read it roll when the stamp changes. */
  public stamped(stamp: string | undefined): SecretRef {
    return stamp ? new SecretRef(this.name, this.origin, this.keys, `${this.hashSeed}#rotation=${stamp}`) : this;
  }

  /** The command that creates this Secret out of band, with fresh random values. */
  public createCommand(namespace: string): string {
    const literals = this.keys.filter((k) => !k.optional).map((k) =>
      k.generate === 'given' ? `--from-literal=${k.key}='<${k.description}>'` : `--from-literal=${k.key}="$(openssl rand -${k.generate === 'keyfile' ? 'base64 756 | tr -d \'\\n\'' : 'hex 24'})"`,
    );
    return [`kubectl create secret generic ${this.name} -n ${namespace}`, ...literals].join(' \\\n    ');
  }
}

/** An ExternalSecret (external-secrets.io) that maps remote keys into a Secret. */
export interface ExternalSecretProps {
  /** The SecretStore or ClusterSecretStore that holds the values. */
  readonly storeName: string;
  /** Kind of the store. @default 'ClusterSecretStore' */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /** Remote key (and optional property) per Secret key; every requested key must be mapped. */
  readonly remoteKeys: Readonly<Record<string, { readonly key: string; readonly property?: string }>>;
  /**
   * Name of the Secret that external-secrets creates.
   * @default the workload's default name
   */
  readonly secretName?: string;
  /** How often external-secrets refreshes the Secret from the store. @default '1h' */
  readonly refreshInterval?: string;
}

/** Where a construct's Secret comes from: existing, an ExternalSecret, or development values. */
export abstract class SecretSource {
  /** An existing Secret, created out of band (the error and README show the `kubectl create secret` command). */
  public static existing(name: string): SecretSource;
  /**
   * A Secret of your own, created out of band, with the keys your pods read: `ref` goes to `EnvValue.fromSecret`
   * and `Volume.fromSecret` (a misspelt key is refused there), and the pods that read it list it as an external
   * reference, which the synth prints. Bound by a construct, it must hold every key that construct asks for.
   * e.g. `const stripe = SecretSource.existing('billing-stripe', ['api-key']); EnvValue.fromSecret(stripe.ref, 'api-key')`
   */
  public static existing(name: string, keys: readonly string[]): ExistingSecret;
  public static existing(name: string, keys?: readonly string[]): SecretSource {
    return keys === undefined ? new ExistingSecretSource(name) : new ExistingSecret(name, keys);
  }

  /** An ExternalSecret (external-secrets.io) that maps remote keys into a Secret. */
  public static external(props: ExternalSecretProps): SecretSource {
    return new ExternalSecretSource(props);
  }

  /** Generated, clearly-labelled development values; refused outside environments that allow them. */
  public static development(): SecretSource {
    return new DevelopmentSecretSource();
  }

  /**
   * The name of an existing Secret from an environment variable at synth time; where it is unset,
   * development values in environments that allow them, else an error that names the variable.
   */
  public static fromEnvironment(variable: string): SecretSource {
    return new EnvironmentSecretSource(variable);
  }

  /**
   * The same source with a rotation stamp (any text, e.g. a date). The synth cannot see the content of an existing or
   * external Secret, so pods that read it roll, and the Jobs that apply it run again, only when the stamp changes:
   * change the values, then the stamp, then apply.
   */
  public withRotationStamp(stamp: string): SecretSource {
    if (!/^[A-Za-z0-9._:-]{1,63}$/.test(stamp)) throw new Error(`rotation stamp '${stamp}' must be 1-63 letters, digits, '.', '_', ':' or '-', e.g. 2026-11-22`);
    return new StampedSecretSource(this, stamp);
  }

  public abstract bind(scope: Construct, request: SecretRequest): SecretRef;
}

class StampedSecretSource extends SecretSource {
  public constructor(private readonly inner: SecretSource, private readonly stamp: string) {
    super();
  }

  public bind(scope: Construct, request: SecretRequest): SecretRef {
    return this.inner.bind(scope, request).stamped(this.stamp);
  }
}

class ExistingSecretSource extends SecretSource {
  public constructor(private readonly name: string) {
    super();
  }

  public bind(_scope: Construct, request: SecretRequest): SecretRef {
    return new SecretRef(this.name, 'existing', request.keys, this.name);
  }
}

/** An existing Secret with known keys (see `SecretSource.existing(name, keys)`). */
export class ExistingSecret extends SecretSource {
  /** The Secret, for `EnvValue.fromSecret(ref, key)` and `Volume.fromSecret(name, ref)`. */
  public readonly ref: SecretRef;

  public constructor(public readonly name: string, keys: readonly string[]) {
    super();
    const owner = `SecretSource.existing('${name}')`;
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) throw new Error(`${owner}: '${name}' is not a Secret name; use lowercase letters, digits, '-' and '.'`);
    if (keys.length === 0) throw new Error(`${owner}: keys is empty; list the keys your pods read, e.g. ['api-key']`);
    const bad = keys.find((k) => !/^[-._a-zA-Z0-9]{1,253}$/.test(k));
    if (bad !== undefined) throw new Error(`${owner}: key '${bad}' is not a Secret key; use letters, digits, '-', '_' and '.'`);
    const specs = [...new Set(keys)].map((key): SecretKeySpec => ({ key, description: `${key} of Secret ${name}`, generate: 'given' }));
    this.ref = new SecretRef(name, 'existing', specs, name);
  }

  public bind(_scope: Construct, request: SecretRequest): SecretRef {
    const missing = request.keys.filter((k) => !this.ref.keys.some((x) => x.key === k.key)).map((k) => k.key);
    if (missing.length > 0) {
      throw new Error(`${request.owner}: existing secret '${this.name}' was declared with keys ${this.ref.keys.map((k) => k.key).join(', ')}, but it needs ${missing.join(', ')}; add them to the keys`);
    }
    return new SecretRef(this.name, 'existing', request.keys, this.name);
  }
}

class ExternalSecretSource extends SecretSource {
  public constructor(private readonly props: ExternalSecretProps) {
    super();
  }

  public bind(scope: Construct, request: SecretRequest): SecretRef {
    const name = this.props.secretName ?? request.defaultName;
    const missing = request.keys.filter((k) => !k.optional && !(k.key in this.props.remoteKeys)).map((k) => k.key);
    if (missing.length > 0) {
      throw new Error(`${request.owner}: external secret '${name}' maps no remote key for ${missing.join(', ')}; add them to remoteKeys`);
    }
    const spec = {
      refreshInterval: this.props.refreshInterval ?? '1h',
      secretStoreRef: { name: this.props.storeName, kind: this.props.storeKind ?? 'ClusterSecretStore' },
      target: { name, creationPolicy: 'Owner' },
      data: request.keys.filter((k) => k.key in this.props.remoteKeys).map((k) => ({ secretKey: k.key, remoteRef: { ...this.props.remoteKeys[k.key] } })),
    };
    new ApiObject(scope, `${name}-external-secret`, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: request.namespace, labels: { ...request.labels } },
      spec,
    });
    return new SecretRef(name, 'external-secret', request.keys, JSON.stringify(spec));
  }
}

class DevelopmentSecretSource extends SecretSource {
  public bind(scope: Construct, request: SecretRequest): SecretRef {
    if (!request.env.config.developmentSecrets) {
      throw new Error(
        `${request.owner}: development credentials are not allowed in environment '${request.env.name}'; ` +
          'use SecretSource.existing(name) or SecretSource.external(...)',
      );
    }
    const given = request.keys.filter((k) => k.generate === 'given' && !k.optional);
    if (given.length > 0) {
      throw new Error(`${request.owner}: ${given.map((k) => `${k.key} (${k.description})`).join(', ')} cannot be generated; use SecretSource.existing(name)`);
    }
    const name = request.defaultName;
    // Derived, not random: the synth stays byte-identical, and the values are
    // labelled as not secret. They only ever exist in the local environment.
    const stringData = Object.fromEntries(
      request.keys.filter((k) => !k.optional).map((k) => [k.key, createHash('sha256').update(`shipshape-development/${request.developmentSeed ?? `${request.namespace}/${name}`}/${k.key}`).digest('hex').slice(0, 32)]),
    );
    new k8s.KubeSecret(scope, `${name}-development-secret`, {
      metadata: {
        name,
        namespace: request.namespace,
        labels: { ...request.labels },
        annotations: { [ANNOTATION.developmentOnly]: 'generated development values for the local environment; not secret' },
      },
      type: 'Opaque',
      stringData,
    });
    return new SecretRef(name, 'development', request.keys, JSON.stringify(stringData));
  }
}

class EnvironmentSecretSource extends SecretSource {
  public constructor(private readonly variable: string) {
    super();
  }

  public bind(scope: Construct, request: SecretRequest): SecretRef {
    const name = process.env[this.variable];
    // <VARIABLE>_ROTATION is the rotation stamp of that Secret (see withRotationStamp).
    if (name) return new ExistingSecretSource(name).bind(scope, request).stamped(process.env[`${this.variable}_ROTATION`]);
    if (request.env.config.developmentSecrets) return new DevelopmentSecretSource().bind(scope, request);
    const example = new SecretRef(request.defaultName, 'existing', request.keys, '').createCommand(request.namespace);
    throw new Error(
      `${request.owner}: environment '${request.env.name}' needs credentials (${request.keys.map((k) => k.key).join(', ')}); ` +
        `set ${this.variable} to the name of an existing Secret, created for example with:\n    ${example}\n` +
        'or pass a SecretSource.external(...) in the props',
    );
  }
}
