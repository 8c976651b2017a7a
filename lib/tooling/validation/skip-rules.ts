/**
 * Rules switched off per object, with the reason: `shipshape.dev/skip-rules: "rule-a,rule-b: why"` on the object.
 * Only `npm run validate` honours it (third-party YAML that cannot be changed); the synth's own objects are fixed in
 * their constructs instead. A rule id may end in `/*` for a family (`pss-restricted/*`). No reason, no skip.
 */
import { ANNOTATION } from '../../vocabulary/annotations';
import { describe, ManifestRecord } from '../manifest/manifest';
import { Finding } from './finding';

export interface Skip {
  readonly object: string;
  readonly rules: readonly string[];
  readonly reason: string;
}

/** The skips the records declare; a malformed annotation is a finding, not a skip. */
export function declaredSkips(records: readonly ManifestRecord[]): { skips: Skip[]; findings: Finding[] } {
  const skips: Skip[] = [];
  const findings: Finding[] = [];
  for (const r of records) {
    const raw = r.manifest.metadata?.annotations?.[ANNOTATION.skipRules];
    if (raw === undefined) continue;
    const m = /^\s*([^:]+):\s*(\S.{9,})$/s.exec(String(raw));
    const rules = m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (!m || rules.length === 0) {
      findings.push({
        rule: 'skip-rules/format',
        file: r.file,
        object: describe(r.manifest),
        constructPath: r.constructPath,
        field: `metadata.annotations["${ANNOTATION.skipRules}"]`,
        message: `'${String(raw)}' is not 'rule-a,rule-b: reason'; name the rules, then after a colon why they cannot hold (a sentence)`,
      });
      continue;
    }
    skips.push({ object: describe(r.manifest), rules, reason: m[2].trim() });
  }
  return { skips, findings };
}

/** Findings that no skip covers, and per skip the findings it removed. */
export function applySkips(findings: readonly Finding[], skips: readonly Skip[]): { kept: Finding[]; skipped: { skip: Skip; count: number }[] } {
  const covers = (rule: string, f: Finding) => rule === f.rule || (rule.endsWith('/*') && f.rule.startsWith(rule.slice(0, -1)));
  const skipped = skips.map((skip) => ({ skip, count: 0 }));
  const kept = findings.filter((f) => {
    const hit = skipped.find((s) => s.skip.object === f.object && s.skip.rules.some((rule) => covers(rule, f)));
    if (hit) hit.count++;
    return !hit;
  });
  return { kept, skipped };
}
