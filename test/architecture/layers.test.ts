/**
 * The layers of lib/, read from the import statements: the manifest model at the bottom of the tooling imports no
 * construct, synth or gate; the gate imports no construct file; building blocks know no workload; nothing is cyclic.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(rel) : e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every file of lib/ with the project files it imports, as paths relative to the project root without `.ts`. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles('lib')) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => path.join(path.dirname(file), m[1]));
    graph.set(file.replace(/\.ts$/, ''), targets.map((t) => (fs.existsSync(path.join(ROOT, `${t}.ts`)) ? t : path.join(t, 'index'))));
  }
  return graph;
}

const graph = importGraph();

function importsUnder(layer: string): [string, string][] {
  return [...graph].filter(([file]) => file.startsWith(layer)).flatMap(([file, targets]) => targets.map((t): [string, string] => [file, t]));
}

describe('layers', () => {
  test.each([
    ['lib/vocabulary', ['lib/building-blocks', 'lib/workloads', 'lib/tooling', 'imports']],
    ['lib/tooling/manifest', ['lib/building-blocks', 'lib/workloads', 'lib/tooling/synth', 'lib/tooling/validation', 'lib/tooling/plan', 'lib/tooling/graph']],
    ['lib/tooling/validation', ['lib/building-blocks', 'lib/workloads', 'lib/tooling/synth', 'lib/tooling/plan', 'lib/tooling/graph']],
    ['lib/tooling/graph', ['lib/building-blocks', 'lib/workloads', 'lib/tooling/synth', 'lib/tooling/plan']],
    ['lib/building-blocks', ['lib/workloads', 'lib/tooling']],
    ['lib/workloads', ['lib/tooling']],
  ])('%s imports nothing from %j', (layer, forbidden) => {
    const bad = importsUnder(layer).filter(([, target]) => forbidden.some((f) => target.startsWith(f)));
    expect(bad).toEqual([]);
  });

  test('no import cycle in lib/', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) visit(t, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  test('the graph is read: every lib file is seen and imports resolve to files', () => {
    expect(graph.size).toBeGreaterThan(60);
    const unresolved = [...graph.values()].flat().filter((t) => !t.startsWith('imports') && !fs.existsSync(path.join(ROOT, `${t}.ts`)));
    expect(unresolved).toEqual([]);
  });
});
