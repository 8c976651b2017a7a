/**
 * A ConfigMap of files or settings whose content hash rolls the pods that read it.
 */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { Check, checkProps, PropsSpec } from './check-props';
import { checkDnsSubdomain } from './names';
import { configKeyProblem, MAX_CONFIG_BYTES } from '../vocabulary/formats';
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

const CONFIG_FILES_PROPS: PropsSpec<ConfigFilesProps> = {
  name: Check.required(Check.string),
  namespace: Check.required(Check.string),
  labels: Check.required(Check.stringRecord),
  data: Check.required(Check.stringRecord),
};

/** Files a container reads, as a ConfigMap whose content hash rolls the pods that mount it. */
export class ConfigFiles extends Construct implements ConfigSource {
  public readonly kind = 'ConfigMap' as const;
  public readonly external = false;
  public readonly name: string;
  private readonly data: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: ConfigFilesProps) {
    super(scope, id);
    checkProps<ConfigFilesProps>(`config '${id}'`, props, CONFIG_FILES_PROPS);
    this.name = checkDnsSubdomain(`config '${id}'`, 'name', props.name);
    for (const key of Object.keys(props.data)) {
      const problem = configKeyProblem(key);
      if (problem) throw new Error(`config '${props.name}': key '${key}' is not a valid ConfigMap key (${problem}); use letters, digits, '-', '_' and '.'`);
    }
    const size = Object.values(props.data).reduce((n, v) => n + Buffer.byteLength(v), 0);
    if (size > MAX_CONFIG_BYTES) throw new Error(`config '${props.name}': data is ${size} bytes, above the 1 MiB a ConfigMap may hold; split it or mount the files from elsewhere`);
    this.data = props.data;
    // `immutable: false` as cdk8s-plus wrote it: the objects in clusters keep their bytes.
    new k8s.KubeConfigMap(this, 'resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: { ...props.labels } },
      data: Object.keys(props.data).length > 0 ? { ...props.data } : undefined,
      immutable: false,
    });
  }

  public hashInput(): string {
    const hash = createHash('sha256');
    for (const key of Object.keys(this.data).sort()) hash.update(`${key}\0${this.data[key]}\0`);
    return `ConfigMap/${this.name}/${hash.digest('hex')}`;
  }
}
