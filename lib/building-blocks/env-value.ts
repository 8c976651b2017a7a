/**
 * Environment variables: plain values, or references that keep secret values
 * out of the manifest. A secret reference also tells the pod which Secret it
 * depends on, for the config hash and the reference check.
 */
import * as k8s from '../../imports/k8s';
import { SecretRef } from './secrets';
import { configKeyProblem } from '../vocabulary/formats';

/** The value of one environment variable: a literal, a Secret or ConfigMap key, or a field of the pod. */
export class EnvValue {
  public static value(value: string | number | boolean): EnvValue {
    return new EnvValue({ value: String(value) });
  }

  /** A key of a Secret, never copied into the manifest. */
  public static fromSecret(secret: SecretRef, key: string): EnvValue {
    if (!(secret instanceof SecretRef)) {
      throw new Error(`EnvValue.fromSecret: secret is not a SecretRef (got ${secret === null ? 'null' : typeof secret === 'object' ? (secret as object).constructor.name : typeof secret}); pass the ref a construct made (e.g. mongo.credentials), or a SecretRef of your own Secret`);
    }
    secret.assertKey(key);
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secret.name, key, optional: secret.isOptional(key) || undefined } } }, secret);
  }

  /** A key of a ConfigMap. */
  public static fromConfigMap(name: string, key: string): EnvValue {
    const problem = configKeyProblem(key);
    if (problem) throw new Error(`EnvValue.fromConfigMap('${name}'): key '${key}' ${problem}`);
    return new EnvValue({ valueFrom: { configMapKeyRef: { name, key } } });
  }

  /** A field of the pod, e.g. `status.podIP` or `metadata.name`. */
  public static fromField(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  /** A resource of the container, e.g. `limits.memory` in MiB. */
  public static fromResource(resource: string, divisor?: string): EnvValue {
    return new EnvValue({ valueFrom: { resourceFieldRef: { resource, divisor: divisor ? k8s.Quantity.fromString(divisor) : undefined } } });
  }

  private constructor(private readonly source: Omit<k8s.EnvVar, 'name'>, public readonly secret?: SecretRef) {}

  public render(name: string): k8s.EnvVar {
    return { name, ...this.source };
  }
}
