/**
 * A finding of the validation gate: which rule, where (file, object,
 * construct path, field path) and what to do about it.
 */
import { describe, ManifestRecord } from '../manifest/manifest';

export interface Finding {
  /** Rule id, e.g. `pss-restricted/run-as-non-root`. */
  readonly rule: string;
  readonly file: string;
  /** `Kind/namespace/name`. */
  readonly object: string;
  readonly constructPath?: string;
  /** Dotted field path, e.g. `spec.template.spec.containers[0].securityContext.runAsNonRoot`. */
  readonly field: string;
  readonly message: string;
}

export function finding(record: ManifestRecord, rule: string, field: string, message: string): Finding {
  return { rule, file: record.file, object: describe(record.manifest), constructPath: record.constructPath, field, message };
}

export function formatFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const where = f.constructPath ? ` (construct ${f.constructPath})` : '';
      return `[${f.rule}] ${f.file}: ${f.object}${where}\n    ${f.field || '<object>'}: ${f.message}`;
    })
    .join('\n');
}
