/**
 * Generates imports/k8s.ts offline from schemas/kubernetes-1.27.0.json.
 *
 * `cdk8s import k8s@1.27.0` downloads the same file; we hand cdk8s-cli's own
 * importer the copy kept in this repository instead, so the output is exactly
 * what the CLI would write and no network is needed.
 */
import * as fs from 'fs';
import * as path from 'path';

const K8S_VERSION = '1.27.0';
const root = path.resolve(__dirname, '..');
const schemaFile = path.join(root, 'schemas', `kubernetes-${K8S_VERSION}.json`);

// cdk8s-cli's `exports` field hides its internals from bare require(), so resolve by path.
const cliDir = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cliDir, 'lib', 'util.js'));
util.download = async (url: string): Promise<string> => {
  if (!url.includes(`/v${K8S_VERSION}/_definitions.json`)) {
    throw new Error(`import-k8s: unexpected download of ${url}; only v${K8S_VERSION} is kept offline`);
  }
  return fs.readFileSync(schemaFile, 'utf8');
};
const { ImportKubernetesApi } = require(path.join(cliDir, 'lib', 'import', 'k8s.js'));
const { Language } = require(path.join(cliDir, 'lib', 'import', 'base.js'));

async function main(): Promise<void> {
  const importer = new ImportKubernetesApi({ apiVersion: K8S_VERSION });
  await importer.import({ outdir: path.join(root, 'imports'), targetLanguage: Language.TYPESCRIPT });
  console.error(`imports/k8s.ts generated from schemas/kubernetes-${K8S_VERSION}.json`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
