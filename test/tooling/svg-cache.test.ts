/**
 * graph.svg is kept by its DOT text (lib/tooling/graph/svg-cache.ts): a synth whose graph did not change reads the
 * picture instead of drawing it, and gets the very bytes a drawing gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { memcached } from '../../apps/memcached/app';
import { Environment } from '../../lib/building-blocks/environment';
import { loadSvgRenderer, SvgRenderer } from '../../lib/tooling/graph/render';
import { SvgCache } from '../../lib/tooling/graph/svg-cache';
import { synthesize } from '../../lib/tooling/synth/synthesize';
import { tempDir } from '../helpers';

describe('the picture cache', () => {
  test('keeps a picture by its DOT, and only the newest 32', () => {
    const dir = path.join(tempDir('svg-cache'), 'pictures');
    const cache = new SvgCache(dir);
    expect(cache.get('digraph { a }')).toBeUndefined();
    cache.put('digraph { a }', '<svg>a</svg>');
    expect(cache.get('digraph { a }')).toBe('<svg>a</svg>');
    expect(cache.get('digraph { a; }')).toBeUndefined();
    for (let i = 0; i < 40; i++) cache.put(`digraph { n${i} }`, `<svg>${i}</svg>`);
    expect(cache.get('digraph { n39 }')).toBe('<svg>39</svg>');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.svg'))).toHaveLength(32);
  });

  test('a cache that cannot be written costs only the drawing', () => {
    const file = path.join(tempDir('svg-cache-file'), 'not-a-folder');
    fs.writeFileSync(file, '');
    const cache = new SvgCache(file);
    expect(() => cache.put('digraph { a }', '<svg/>')).not.toThrow();
    expect(cache.get('digraph { a }')).toBeUndefined();
  });

  test('a picture drawn on another thread is kept once it is drawn, and a failed drawing is not kept', async () => {
    const cache = new SvgCache(path.join(tempDir('svg-cache-async'), 'pictures'));
    let drawings = 0;
    const drawLater = (dot: string) => {
      drawings++;
      return Promise.resolve(`<svg>${dot}</svg>`);
    };
    await expect(cache.picture('digraph { a }', drawLater)).resolves.toBe('<svg>digraph { a }</svg>');
    expect(cache.picture('digraph { a }', drawLater)).toBe('<svg>digraph { a }</svg>');
    expect(drawings).toBe(1);
    await expect(cache.picture('digraph { b }', () => Promise.reject(new Error('graphviz failed')))).rejects.toThrow('graphviz failed');
    expect(cache.get('digraph { b }')).toBeUndefined();
  });

  test('a synth of an unchanged graph reads the picture it drew, byte for byte', async () => {
    const previous = process.env.SHIPSHAPE_SVG_CACHE;
    process.env.SHIPSHAPE_SVG_CACHE = path.join(tempDir('svg-cache-synth'), 'pictures');
    try {
      const draw = await loadSvgRenderer();
      let drawings = 0;
      const counting: SvgRenderer = (dot) => {
        drawings++;
        return draw(dot);
      };
      const first = synthesize({ env: Environment.LOCAL, apps: [memcached], renderSvg: counting });
      const second = synthesize({ env: Environment.LOCAL, apps: [memcached], renderSvg: counting });
      expect(drawings).toBe(1);
      expect(second.files.get('graph.svg')).toBe(first.files.get('graph.svg'));
      expect(first.files.get('graph.svg')).toBe(draw(first.files.get('graph.dot')!));
    } finally {
      if (previous === undefined) delete process.env.SHIPSHAPE_SVG_CACHE;
      else process.env.SHIPSHAPE_SVG_CACHE = previous;
    }
  });
});
