/**
 * Reads a folder (or file) of YAML manifests into records, for validating
 * output that did not come from our constructs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Manifest, ManifestRecord } from './manifest';

export function loadManifests(target: string): ManifestRecord[] {
  const stat = fs.statSync(target);
  const files = stat.isDirectory()
    ? fs.readdirSync(target).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(target, f))
    : [target];
  const records: ManifestRecord[] = [];
  for (const file of files) {
    const name = stat.isDirectory() ? path.basename(file) : file;
    // YAML 1.1, as kubectl and the API server read it: an unquoted `yes` is a boolean there, and the gate must see that.
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })) {
      if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors[0].message}`);
      const value = doc.toJS();
      if (value === null || value === undefined) continue;
      const items: Manifest[] = value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
      for (const manifest of items) records.push({ manifest, file: name });
    }
  }
  return records;
}
