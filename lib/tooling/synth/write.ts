/**
 * Writes the output atomically: everything goes to a sibling temporary
 * folder, which replaces the output folder only when complete. On any error
 * the previous output stays as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { ManifestRecord } from '../manifest/manifest';
import { emitYaml } from './yaml-emitter';

/**
 * YAML as Kubernetes reads it. kubectl and the API server parse YAML 1.1, where an unquoted `on`, `no`, `y`,
 * `1_000` or `12:30` is not a string; js-yaml quotes all of those (the `yaml` package, writing YAML 1.2, does
 * not). The output is exactly js-yaml's `dump(value, { lineWidth: -1, noRefs: true })`; our emitter
 * (yaml-emitter.ts) writes it faster, with js-yaml deciding each distinct scalar once.
 */
export function toYaml(value: unknown): string {
  return emitYaml(value);
}

/** Files beside the manifests; none may end in .yaml/.yml/.json, or `kubectl apply -f dist` would read it. */
export type ExtraFiles = Readonly<Record<string, string | Buffer>>;

/** One YAML file per app. `yamlOf` gives a record's document when it was rendered already (on a helper thread). */
export function renderFiles(records: readonly ManifestRecord[], yamlOf: (record: ManifestRecord) => string = (r) => toYaml(r.manifest)): Map<string, string> {
  const byFile = new Map<string, string[]>();
  for (const r of records) {
    const docs = byFile.get(r.file) ?? [];
    docs.push(yamlOf(r));
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

/**
 * The file that marks a folder as the synth's own: only a folder holding it (or an empty or missing one) is ever
 * replaced. A dotfile without a manifest extension, so `kubectl apply -f dist` and kustomize ignore it.
 */
export const OUTPUT_MARKER = '.shipshape-dist';
const MARKER_TEXT = 'written by `npm run synth`: this folder is replaced as a whole on every synth; keep nothing else here\n';

/** Names the synth writes; a folder of only these with a matching Kustomization is a dist/ from before the marker. */
const SYNTH_FILE = /^(Kustomization|graph\.dot|graph\.svg|[a-z0-9-]+\.yaml)$/;

/**
 * Why `outdir` must not be replaced, or undefined when it may be: it is missing, empty, holds the marker, or is a
 * dist/ written before the marker existed (only synth file names, and a Kustomization listing exactly its YAML).
 * Anything else may be someone's work (`--outdir .` once replaced a whole checkout), so it is refused.
 */
export function refusalToReplace(outdir: string): string | undefined {
  const target = path.resolve(outdir);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return undefined;
  }
  const refuse = (why: string) => `refusing to write to ${outdir}: ${why}; the synth only replaces a folder it made (one holding ${OUTPUT_MARKER}) or an empty one. Choose a new or empty folder, e.g. --outdir dist, or move that folder away yourself`;
  if (stat.isSymbolicLink()) return refuse('it is a symbolic link');
  if (!stat.isDirectory()) return refuse('it is a file');
  const entries = fs.readdirSync(target);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return undefined;
  if (isLegacyOutput(target, entries)) return undefined;
  const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
  return refuse(`it is not empty (${shown}) and was not made by the synth`);
}

function isLegacyOutput(dir: string, entries: readonly string[]): boolean {
  if (!entries.includes('Kustomization') || !entries.every((e) => SYNTH_FILE.test(e) && fs.lstatSync(path.join(dir, e)).isFile())) return false;
  const yaml = entries.filter((e) => e.endsWith('.yaml')).sort();
  let listed: unknown;
  try {
    listed = (load(fs.readFileSync(path.join(dir, 'Kustomization'), 'utf8')) as { resources?: unknown } | null)?.resources;
  } catch {
    return false;
  }
  return Array.isArray(listed) && [...listed].map(String).sort().join(',') === yaml.join(',');
}

/**
 * Replaces `outdir` with `files` (and the marker) in one rename, after checking that it may be replaced.
 * @returns the names of files the previous output held that the new one does not
 */
export function writeAtomically(outdir: string, files: ReadonlyMap<string, string | Buffer>): string[] {
  const refusal = refusalToReplace(outdir);
  if (refusal) throw new Error(refusal);
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-staging-`));
  fs.chmodSync(staging, 0o755);
  try {
    for (const [name, content] of files) fs.writeFileSync(path.join(staging, name), content);
    fs.writeFileSync(path.join(staging, OUTPUT_MARKER), MARKER_TEXT);
    const exists = fs.existsSync(target);
    const dropped = exists ? fs.readdirSync(target).filter((f) => f !== OUTPUT_MARKER && !files.has(f)).sort() : [];
    const previous = exists ? `${staging}-previous` : undefined;
    if (previous) fs.renameSync(target, previous);
    try {
      fs.renameSync(staging, target);
    } catch (err) {
      if (previous) fs.renameSync(previous, target);
      throw err;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
    return dropped;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
