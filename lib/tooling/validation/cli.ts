/**
 * `npm run validate -- <folder> [--k8s 1.27|1.36 | --min-k8s 1.30] [--no-spread]`: the synth's
 * gate on any folder of YAML, third-party manifests included.
 */
import { Command, CommanderError, Option } from 'commander';
import { validateManifests } from '.';
import { formatFindings } from './finding';
import { loadManifests } from '../manifest/load';
import { CustomValidator, KUBERNETES_VERSIONS, KubernetesVersion, schemaVersionsFor } from './schema';
import { crdValidators } from './custom-resources';
import { applySkips, declaredSkips } from './skip-rules';

export function runValidateCli(argv: readonly string[] = process.argv): void {
  const program = new Command()
    .name('npm run validate --')
    .description('Validate a folder of Kubernetes YAML: schemas, Pod Security Standards, production practice, references.')
    .argument('<path>', 'folder or file of YAML manifests')
    .addOption(new Option('--k8s <version>', 'validate against one Kubernetes version only').choices([...KUBERNETES_VERSIONS]))
    .addOption(
      new Option('--min-k8s <version>', "the oldest Kubernetes the manifests must apply to (an environment's minKubernetesVersion, e.g. 1.30): validates against the kept schemas of that version and later, as the synth does").conflicts('k8s'),
    )
    .option('--crd <files...>', 'CustomResourceDefinition YAML files declaring custom resources to validate (e.g. from kubectl get crd X -o yaml)')
    .option('--no-spread', 'do not require topology spread for workloads with 2+ replicas (non-production manifests)')
    .exitOverride();
  try {
    program.parse([...argv]);
    const opts = program.opts<{ k8s?: KubernetesVersion; minK8s?: string; spread: boolean; crd?: string[] }>();
    if (opts.minK8s !== undefined && !/^1\.\d{1,2}$/.test(opts.minK8s)) throw new Error(`--min-k8s '${opts.minK8s}' is not a Kubernetes minor; write it like 1.30`);
    const versions = opts.k8s ? [opts.k8s] : opts.minK8s ? schemaVersionsFor(opts.minK8s) : undefined;
    const customResources = new Map<string, CustomValidator>();
    for (const file of opts.crd ?? []) {
      const crds = loadManifests(file).filter((r) => r.manifest.kind === 'CustomResourceDefinition');
      if (crds.length === 0) throw new Error(`--crd ${file} holds no CustomResourceDefinition`);
      for (const r of crds) for (const [key, validator] of crdValidators(r.manifest)) customResources.set(key, validator);
    }
    const target = program.args[0];
    const records = loadManifests(target);
    if (records.length === 0) {
      throw new Error(`${target} holds no Kubernetes objects (no .yaml, .yml or .json file with a document); give a folder or file of manifests`);
    }
    const validated = validateManifests(records, { versions, requireSpread: opts.spread, customResources });
    const declared = declaredSkips(records);
    const { kept, skipped } = applySkips(validated.findings, declared.skips);
    const result = { ...validated, findings: [...declared.findings, ...kept] };
    for (const s of skipped) console.log(`skipped for ${s.skip.object}: ${s.skip.rules.join(', ')} (${s.count} finding(s)): ${s.skip.reason}`);
    for (const e of result.exemptions) console.log(`pod security exemption: namespace '${e.namespace}' enforces '${e.level}': ${e.reason}`);
    for (const e of result.externalRefs) console.log(`external reference: ${e.ref}, used by ${e.usedBy}`);
    if (result.findings.length > 0) {
      console.error(formatFindings(result.findings));
      console.error(`${result.findings.length} finding(s) in ${records.length} object(s)`);
      process.exitCode = 1;
      return;
    }
    console.log(`${records.length} object(s) in ${target}: no findings`);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`validate failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
}
