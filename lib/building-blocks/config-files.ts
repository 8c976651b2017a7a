/**
 * A ConfigMap of files or settings whose content hash rolls the pods that read it.
 */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { checkDnsSubdomain } from './names';
import { createConfigMap } from './plus';
import { ConfigSource } from './volumes';

/** The props of ConfigFiles. */
export interface ConfigFilesProps {
  /** ConfigMap name. */
  readonly name: string;
  /** The namespace of the ConfigMap: the pods' namespace. */
  readonly namespace: string;
  /** Labels of the ConfigMap, usually the owning workload's recommended labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** File name (or key) → content. */
  readonly data: Readonly<Record<string, string>>;
}

/** Files a container reads, as a ConfigMap whose content hash rolls the pods that mount it. */
export class ConfigFiles extends Construct implements ConfigSource {
  public readonly kind = 'ConfigMap' as const;
  public readonly external = false;
  public readonly name: string;
  private readonly data: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: ConfigFilesProps) {
    super(scope, id);
    this.name = checkDnsSubdomain(`config '${id}'`, 'name', props.name);
    const badKey = Object.keys(props.data).find((k) => !/^[-._a-zA-Z0-9]+$/.test(k));
    if (badKey !== undefined) {
      throw new Error(`config '${props.name}': key '${badKey}' is not a valid ConfigMap key; use letters, digits, '-', '_' and '.'`);
    }
    this.data = props.data;
    createConfigMap(this, 'resource', { name: this.name, namespace: props.namespace, labels: props.labels }, props.data);
  }

  public hashInput(): string {
    const hash = createHash('sha256');
    for (const key of Object.keys(this.data).sort()) hash.update(`${key}\0${this.data[key]}\0`);
    return `ConfigMap/${this.name}/${hash.digest('hex')}`;
  }
}
