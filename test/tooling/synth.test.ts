import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { memcached } from '../../apps/memcached/app';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { loadSvgRenderer } from '../../lib/tooling/graph/render';
import { Environment } from '../../lib/building-blocks/environment';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { selectApps } from '../../lib/tooling/synth/cli';
import { MAX_DRAWN_NODES, synthesize } from '../../lib/tooling/synth/synthesize';
import { ContainerImage } from '../../lib/building-blocks/image';
import { WebService } from '../../lib/workloads/web-service';
import { toYaml } from '../../lib/tooling/synth/write';
import { parse } from 'yaml';
import { tempDir } from '../helpers';

function tmp(): string {
  return tempDir('synth');
}

function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

const broken: AppDefinition = {
  name: 'broken',
  description: 'a bad prop',
  build(scope, env) {
    const chart = new AppChart(scope, 'broken', { env, description: this.description });
    new MemcachedCluster(chart, 'cache', { resources: ResourcePreset.SMALL.with({ memoryLimit: '64Mi', memoryRequest: '64Mi' }), cacheSize: '128Mi' });
    return chart;
  },
};

describe('synth pipeline', () => {
  test('writes one ordered file per app, a Kustomization and the graph; two synths give identical bytes', async () => {
    const a = path.join(tmp(), 'dist');
    const b = path.join(tmp(), 'dist');
    synthesize({ env: Environment.PRODUCTION, apps: [memcached], outdir: a, renderSvg: await loadSvgRenderer() });
    synthesize({ env: Environment.PRODUCTION, apps: [memcached], outdir: b, renderSvg: await loadSvgRenderer() });
    expect(readTree(a)).toEqual(readTree(b));
    expect(Object.keys(readTree(a))).toEqual(['.shipshape-dist', 'Kustomization', 'graph.dot', 'graph.svg', 'memcached.yaml']);
    const kinds = [...readTree(a)['memcached.yaml'].matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.indexOf('ServiceAccount')).toBeLessThan(kinds.indexOf('StatefulSet'));
    expect(kinds.indexOf('Service')).toBeLessThan(kinds.indexOf('StatefulSet'));
    expect(fs.statSync(a).mode & 0o777).toBe(0o755);
  });

  test('a bad prop fails with the construct path and leaves the previous output byte-identical', () => {
    const out = path.join(tmp(), 'dist');
    synthesize({ env: Environment.LOCAL, apps: [memcached], outdir: out });
    const before = readTree(out);
    expect(() => synthesize({ env: Environment.LOCAL, apps: [memcached, broken], outdir: out })).toThrow(
      /^broken\/cache \(MemcachedCluster, test\/tooling\/synth.test.ts:\d+\): memcached 'cache': memoryLimit 64Mi is below cacheSize 128Mi plus \d+Mi headroom .*; raise memoryLimit to at least \d+Mi or lower cacheSize/,
    );
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('strings that YAML 1.1 (what kubectl reads) would turn into booleans, numbers or times are written quoted', () => {
    const tricky = ['on', 'off', 'yes', 'no', 'y', 'N', 'true', 'null', '~', '1.0', '0755', '0x1F', '1_000', '12:30', '2024-01-01', '.inf', ''];
    const text = toYaml({ data: Object.fromEntries(tricky.map((t, i) => [`k${i}`, t])) });
    const asKubernetesReadsIt = parse(text, { version: '1.1' }).data;
    expect(tricky.map((_, i) => asKubernetesReadsIt[`k${i}`])).toEqual(tricky);
  });

  test('a system too big to read as a picture gets graph.dot but no graph.svg', async () => {
    const image = ContainerImage.of('ghcr.io/acme/api:1.0.0', { uid: 1000, gid: 1000 });
    const many: AppDefinition = {
      name: 'many',
      description: 'more services than a picture can hold',
      build(scope, env) {
        const chart = new AppChart(scope, 'many', { env, description: this.description });
        for (let i = 0; i <= MAX_DRAWN_NODES / 2; i++) new WebService(chart, `svc-${i}`, { image, port: 8080 }); // a Deployment and a Service each
        return chart;
      },
    };
    const result = synthesize({ env: Environment.LOCAL, apps: [many], renderSvg: await loadSvgRenderer() });
    expect(result.graph.nodes).toBeGreaterThan(MAX_DRAWN_NODES);
    expect(result.graph.drawn).toBe(false);
    expect([...result.files.keys()]).toContain('graph.dot');
    expect([...result.files.keys()]).not.toContain('graph.svg');
  });

  test('unknown apps are listed with the known ones', () => {
    expect(() => selectApps([memcached], 'memcached,nope')).toThrow("unknown app(s) 'nope'; known apps: memcached");
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const withKubectl = kubectl.status === 0 ? test : test.skip;
  if (kubectl.status !== 0) console.warn('kubectl is not installed: skipping the `kubectl kustomize dist` check');
  withKubectl('kubectl kustomize reads the output', () => {
    const out = path.join(tmp(), 'dist');
    synthesize({ env: Environment.PRODUCTION, apps: [memcached], outdir: out });
    const rendered = execFileSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    expect(rendered).toContain('kind: StatefulSet');
    expect(rendered.match(/^kind: /gm)!.length).toBe(readTree(out)['memcached.yaml'].match(/^kind: /gm)!.length);
  });
});
