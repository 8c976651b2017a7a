/**
 * graph.svg kept by its DOT text: Graphviz gives the same bytes for the same DOT and version (./render.ts), and
 * drawing is the longest step of a small synth (~60 ms at 10 services, ~150 ms for the catalogue, measured by
 * `npm run bench`), while most synths draw a graph that did not change. Like the compiled validators, entries live in
 * node_modules/.cache (shipshape-svg/), keyed by a hash of the DOT and the Graphviz package's version; the newest
 * KEEP are kept. A read-only or missing cache only costs the drawing. SHIPSHAPE_SVG_CACHE=off draws every time;
 * SHIPSHAPE_SVG_CACHE=<folder> keeps them there instead.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const KEEP = 32;

/** The Graphviz package's version, read once per process: part of each picture's key. */
let vizVersion: string | undefined;
function graphvizVersion(): string {
  if (vizVersion === undefined) {
    vizVersion = 'unknown';
    try {
      // The package's exports hide its package.json from require().
      let folder = path.dirname(require.resolve('@viz-js/viz'));
      while (!fs.existsSync(path.join(folder, 'package.json')) && path.dirname(folder) !== folder) folder = path.dirname(folder);
      vizVersion = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')).version as string;
    } catch {
      // keyed on the DOT alone
    }
  }
  return vizVersion;
}

export class SvgCache {
  private readonly version = graphvizVersion();

  public constructor(private readonly dir: string = path.resolve(__dirname, '..', '..', '..', 'node_modules', '.cache', 'shipshape-svg')) {}

  /**
   * The picture of `dot`: the kept one, or the one `draw` makes, then kept (once drawn, when `draw` gives a promise:
   * a picture drawn on a helper thread).
   */
  public picture<T extends string | Promise<string>>(dot: string, draw: (dot: string) => T): string | T {
    const kept = this.get(dot);
    if (kept !== undefined) return kept;
    const drawn = draw(dot);
    if (typeof drawn === 'string') this.put(dot, drawn);
    else void drawn.then((svg) => this.put(dot, svg), () => undefined);
    return drawn;
  }

  /** The picture of `dot` drawn before, if kept. */
  public get(dot: string): string | undefined {
    try {
      return fs.readFileSync(this.file(dot), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Keeps the picture of `dot`, and drops the oldest beyond the newest KEEP. */
  public put(dot: string, svg: string): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const file = this.file(dot);
      const staging = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(staging, svg);
      fs.renameSync(staging, file);
      const kept = fs.readdirSync(this.dir).filter((f) => f.endsWith('.svg'));
      if (kept.length <= KEEP) return;
      const byAge = kept.map((f) => ({ f, t: fs.statSync(path.join(this.dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
      for (const { f } of byAge.slice(KEEP)) fs.rmSync(path.join(this.dir, f), { force: true });
    } catch {
      // a read-only cache: drawn again next time
    }
  }

  private file(dot: string): string {
    return path.join(this.dir, `${createHash('sha256').update(this.version).update('\0').update(dot).digest('hex').slice(0, 32)}.svg`);
  }
}

/**
 * The picture of `dot` from the project's cache (or SHIPSHAPE_SVG_CACHE's folder), drawn by `draw` and kept when
 * missing; always drawn when SHIPSHAPE_SVG_CACHE=off.
 */
export function keptPicture<T extends string | Promise<string>>(dot: string, draw: (dot: string) => T): string | T {
  const setting = process.env.SHIPSHAPE_SVG_CACHE;
  if (setting === 'off') return draw(dot);
  return (setting ? new SvgCache(path.resolve(setting)) : new SvgCache()).picture(dot, draw);
}
