/**
 * Writes the output atomically: everything goes to a sibling temporary
 * folder, which replaces the output folder only when complete. On any error
 * the previous output stays as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { dump } from 'js-yaml';
import { ManifestRecord } from '../manifest/manifest';

/**
 * YAML as Kubernetes reads it. kubectl and the API server parse YAML 1.1, where an unquoted `on`, `no`, `y`,
 * `1_000` or `12:30` is not a string; js-yaml quotes all of those (the `yaml` package, writing YAML 1.2, does
 * not), and is four times faster.
 */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}

/** Files beside the manifests; none may end in .yaml/.yml/.json, or `kubectl apply -f dist` would read it. */
export type ExtraFiles = Readonly<Record<string, string | Buffer>>;

export function renderFiles(records: readonly ManifestRecord[]): Map<string, string> {
  const byFile = new Map<string, string[]>();
  for (const r of records) {
    const docs = byFile.get(r.file) ?? [];
    docs.push(toYaml(r.manifest));
    byFile.set(r.file, docs);
  }
  const files = new Map<string, string>();
  for (const file of [...byFile.keys()].sort()) files.set(file, byFile.get(file)!.join('---\n'));
  return files;
}

/**
 * A kustomization for `kubectl apply -k dist`. It is named `Kustomization`
 * (a name kustomize accepts) because `kubectl apply -f dist` reads every
 * .yaml file in the folder and fails on a kustomization.yaml.
 */
export function renderKustomization(files: readonly string[]): string {
  return toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...files] });
}

export function writeAtomically(outdir: string, files: ReadonlyMap<string, string | Buffer>): void {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-staging-`));
  fs.chmodSync(staging, 0o755);
  try {
    for (const [name, content] of files) fs.writeFileSync(path.join(staging, name), content);
    const previous = fs.existsSync(target) ? `${staging}-previous` : undefined;
    if (previous) fs.renameSync(target, previous);
    try {
      fs.renameSync(staging, target);
    } catch (err) {
      if (previous) fs.renameSync(previous, target);
      throw err;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
