/**
 * `npm run graph`: redraws docs/graph.svg, the picture the README shows, exactly as `npm run synth` draws
 * dist/graph.svg for the catalogue in env local. A test keeps the two equal; `npm run new` redraws it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { catalogue } from '../apps/catalogue';
import { Environment } from '../lib/building-blocks/environment';
import { loadSvgRenderer } from '../lib/tooling/graph/render';
import { synthesize } from '../lib/tooling/synth/synthesize';

const DOCS_GRAPH = path.join('docs', 'graph.svg');

async function main(root: string): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-graph-'));
  try {
    synthesize({ env: Environment.LOCAL, apps: catalogue, outdir: path.join(tmp, 'dist'), renderSvg: await loadSvgRenderer() });
    fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
    fs.copyFileSync(path.join(tmp, 'dist', 'graph.svg'), path.join(root, DOCS_GRAPH));
    console.log(`drew ${DOCS_GRAPH}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const program = new Command()
    .name('npm run graph --')
    .description(`Redraw ${DOCS_GRAPH}, the picture of the catalogue (env local) that the README shows. Every synth also draws <outdir>/graph.svg.`)
    .exitOverride();
  try {
    program.parse();
    main(path.resolve(__dirname, '..')).catch((err) => {
      console.error(`graph failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
  } catch (err) {
    // --help and unknown options: commander has printed what to do; nothing is drawn.
    process.exitCode = err instanceof CommanderError ? err.exitCode : 1;
  }
}
