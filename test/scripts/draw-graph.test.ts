import * as fs from 'fs';
import * as path from 'path';
import { ROOT, runTs } from '../support/project-copy';

describe('npm run graph', () => {
  test('--help prints the usage and draws nothing', () => {
    const picture = path.join(ROOT, 'docs', 'graph.svg');
    const before = fs.statSync(picture).mtimeMs;
    const r = runTs(ROOT, 'scripts/draw-graph.ts', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: npm run graph -- [options]');
    expect(r.stdout).toContain('Redraw docs/graph.svg');
    expect(r.stdout).not.toContain('drew ');
    expect(fs.statSync(picture).mtimeMs).toBe(before);
    const bad = runTs(ROOT, 'scripts/draw-graph.ts', '--bogus');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("unknown option '--bogus'");
  });
});
