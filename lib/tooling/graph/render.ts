/**
 * Renders DOT to SVG offline with Graphviz compiled to WebAssembly
 * (@viz-js/viz): nothing to install beside npm, and the same input gives the
 * same bytes. Loading takes ~10 ms, so it happens once per synth.
 */
import { instance } from '@viz-js/viz';

export type SvgRenderer = (dot: string) => string;

export async function loadSvgRenderer(): Promise<SvgRenderer> {
  const viz = await instance();
  return (dot) => viz.renderString(dot, { format: 'svg' });
}
