/**
 * Custom resources the catalogue uses, validated with the schemas published
 * in kept packages rather than schemas of our own.
 */
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import { CustomValidator } from './schema';

function fromModel(create: (data: any) => { validate(): void }): CustomValidator {
  return (manifest) => {
    try {
      create(manifest).validate();
      return [];
    } catch (err: any) {
      const errors: any[] = err?.errors ?? [{ instancePath: '', message: String(err?.message ?? err) }];
      return errors.map((e) => ({ instancePath: e.instancePath ?? '', message: e.message ?? 'invalid' }));
    }
  };
}

export const CUSTOM_RESOURCES: ReadonlyMap<string, CustomValidator> = new Map([
  ['external-secrets.io/v1beta1/ExternalSecret', fromModel((d) => new ExternalSecret(d))],
]);
