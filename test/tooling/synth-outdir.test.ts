/**
 * The synth replaces only a folder it made: through the real CLI, a folder holding someone's file and the
 * project's own checkout (`--outdir .`) are refused, non-zero, with nothing touched.
 */
import * as fs from 'fs';
import * as path from 'path';
import { kafka } from '../../apps/kafka/app';
import { memcached } from '../../apps/memcached/app';
import { Environment } from '../../lib/building-blocks/environment';
import { SynthError, synthesize } from '../../lib/tooling/synth/synthesize';
import { OUTPUT_MARKER, refusalToReplace } from '../../lib/tooling/synth/write';
import { tempDir } from '../helpers';
import { copyProject, ROOT, runTs } from '../support/project-copy';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = fs.readFileSync(path.join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

describe('synth --outdir', () => {
  test('refuses a folder that holds a file it did not write, and touches nothing', () => {
    const dir = path.join(tempDir('outdir'), 'notes');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'todo.txt'), 'my notes\n');
    const r = runTs(ROOT, 'main.ts', '--only', 'memcached', '--outdir', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`refusing to write to ${dir}: it is not empty (todo.txt) and was not made by the synth`);
    expect(r.stderr).toContain(`only replaces a folder it made (one holding ${OUTPUT_MARKER}) or an empty one`);
    expect(tree(path.dirname(dir))).toEqual({ 'notes/todo.txt': 'my notes\n' });
  });

  test('refuses `--outdir .` in a checkout, which stays byte-identical', () => {
    const copy = copyProject('outdir-dot', ['main.ts', 'environments.ts', 'package.json', 'tsconfig.json', 'apps', 'lib', 'imports', 'schemas']);
    try {
      const before = tree(copy);
      const r = runTs(copy, 'main.ts', '--outdir', '.');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refusing to write to \.: it is not empty \(apps, environments\.ts, imports, lib, main\.ts, … \(\d+ entries\)\)/);
      expect(tree(copy)).toEqual(before);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test('replaces its own output (marked), an empty folder, and a dist/ from before the marker; refuses a file', () => {
    const base = tempDir('outdir');
    const out = path.join(base, 'empty');
    fs.mkdirSync(out);
    synthesize({ env: Environment.LOCAL, apps: [memcached], outdir: out });
    expect(fs.readFileSync(path.join(out, OUTPUT_MARKER), 'utf8')).toContain('replaced as a whole');
    expect(() => synthesize({ env: Environment.LOCAL, apps: [memcached], outdir: out })).not.toThrow();
    // A dist/ written before the marker: only synth file names, and a Kustomization listing exactly its YAML.
    fs.rmSync(path.join(out, OUTPUT_MARKER));
    expect(refusalToReplace(out)).toBeUndefined();
    fs.writeFileSync(path.join(out, 'other.yaml'), 'kind: ConfigMap\n');
    expect(refusalToReplace(out)).toContain('it is not empty (Kustomization, graph.dot, memcached.yaml, other.yaml) and was not made by the synth');
    expect(() => synthesize({ env: Environment.LOCAL, apps: [memcached], outdir: out })).toThrow(SynthError);
    expect(fs.readFileSync(path.join(out, 'other.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    const file = path.join(base, 'file');
    fs.writeFileSync(file, 'x');
    expect(refusalToReplace(file)).toContain(`refusing to write to ${file}: it is a file`);
    fs.symlinkSync(out, path.join(base, 'link'));
    expect(refusalToReplace(path.join(base, 'link'))).toContain('it is a symbolic link');
  });

  test('--only says which files of the previous output it no longer holds', () => {
    const out = path.join(tempDir('outdir'), 'dist');
    synthesize({ env: Environment.LOCAL, apps: [memcached, kafka], outdir: out });
    const r = runTs(ROOT, 'main.ts', '--only', 'memcached', '--outdir', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`replaced ${out} as a whole: it no longer holds kafka.yaml (synthesise without --only to write every app)`);
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'Kustomization', 'graph.dot', 'graph.svg', 'memcached.yaml']);
  });
});
