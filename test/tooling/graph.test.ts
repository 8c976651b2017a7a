/**
 * The system graph: edges found by kind and endpoints in the catalogue's
 * synth (selects, routes, mounts, reads, connects across namespaces, allowed
 * from outside), a refused connection made on purpose, and DOT/SVG output
 * that is deterministic.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogue } from '../../apps/catalogue';
import { Environment } from '../../lib/building-blocks/environment';
import { renderDot } from '../../lib/tooling/graph/dot';
import { buildGraph, SystemGraph } from '../../lib/tooling/graph/model';
import { loadSvgRenderer } from '../../lib/tooling/graph/render';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';
import { synthesize } from '../../lib/tooling/synth/synthesize';
import { synthCatalogue, tempDir } from '../helpers';


function edge(graph: SystemGraph, from: string, to: string): { kind: string; label?: string } | undefined {
  const e = graph.edges.find((x) => x.from === from && x.to === to);
  return e && { kind: e.kind, ...(e.label ? { label: e.label } : {}) };
}

describe('the catalogue graph (local)', () => {
  const graph = buildGraph(synthCatalogue(catalogue, Environment.LOCAL));

  test('one group per namespace, with its pod security level', () => {
    // The catalogue's own apps; an app added with `npm run new` adds its namespace beside them.
    expect(graph.namespaces).toEqual(
      expect.arrayContaining([
        { name: 'kafka', level: 'restricted' },
        { name: 'logging', level: 'privileged' },
        { name: 'memcached', level: 'restricted' },
        { name: 'orders', level: 'restricted' },
        { name: 'rocketchat', level: 'restricted' },
      ]),
    );
    const names = graph.namespaces.map((n) => n.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(catalogue.length);
  });

  test('Services select their workloads; the Ingress routes to its Service', () => {
    expect(edge(graph, 'Service/rocketchat/rocketchat', 'Deployment/rocketchat/rocketchat')).toEqual({ kind: 'selects' });
    expect(edge(graph, 'Service/rocketchat/rocketchat-mongodb-headless', 'StatefulSet/rocketchat/rocketchat-mongodb')).toEqual({ kind: 'selects' });
    expect(edge(graph, 'Ingress/orders/orders-api', 'Service/orders/orders-api')?.kind).toBe('routes');
  });

  test('connections the policies allow on both sides, within and across namespaces', () => {
    expect(edge(graph, 'Deployment/rocketchat/rocketchat', 'StatefulSet/rocketchat/rocketchat-mongodb')).toEqual({ kind: 'connects', label: ':27017' });
    expect(edge(graph, 'Deployment/orders/orders-api', 'StatefulSet/kafka/kafka')).toEqual({ kind: 'connects', label: ':9092' });
    expect(edge(graph, 'Deployment/orders/orders-api', 'StatefulSet/orders/orders-cache')).toEqual({ kind: 'connects', label: ':11211' });
    expect(edge(graph, 'outside/namespace ingress-nginx', 'Deployment/orders/orders-api')).toEqual({ kind: 'allowed', label: ':9898' });
    expect(graph.edges.filter((e) => e.kind === 'refused')).toEqual([]);
  });

  test('workloads mount their ConfigMaps and claims and read their Secrets; DNS and ApplySet parents are left out', () => {
    expect(edge(graph, 'StatefulSet/kafka/kafka', 'ConfigMap/kafka/kafka-config')?.kind).toBe('mounts');
    expect(edge(graph, 'StatefulSet/rocketchat/rocketchat-mongodb', 'PersistentVolumeClaim/rocketchat/data-rocketchat-mongodb-*')?.kind).toBe('mounts');
    expect(edge(graph, 'Deployment/rocketchat/rocketchat', 'Secret/rocketchat/rocketchat-mongodb-credentials')?.kind).toBe('reads');
    expect(graph.nodes.filter((n) => n.id.includes('applyset') || n.id.includes('kube-dns'))).toEqual([]);
    expect(graph.edges.filter((e) => e.label?.includes(':53'))).toEqual([]);
  });

  test('DOT is identical for identical input and groups nodes by namespace', () => {
    const dot = renderDot(graph, 'test');
    expect(renderDot(buildGraph(synthCatalogue(catalogue, Environment.LOCAL)), 'test')).toBe(dot);
    expect(dot).toContain('subgraph "cluster_rocketchat" {');
    expect(dot).toContain('label="namespace logging (pod security: privileged)"');
  });
});

describe('the catalogue graph (production)', () => {
  test('a Secret made outside the synth is drawn dashed', () => {
    const graph = buildGraph(synthCatalogue(catalogue, Environment.PRODUCTION));
    expect(graph.nodes.find((n) => n.id === 'Secret/rocketchat/rocketchat-mongodb-credentials')).toMatchObject({ external: true });
    expect(renderDot(graph, 'production')).toMatch(/"Secret\/rocketchat\/rocketchat-mongodb-credentials" \[label="[^"]*", shape=note, style="dashed,filled"/);
  });
});

describe('policies that do not match', () => {
  const labels = (name: string) => ({ 'app.kubernetes.io/name': name });
  const deployment = (name: string): ManifestRecord => ({
    file: 'shop.yaml',
    manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop' }, spec: { selector: { matchLabels: labels(name) }, template: { metadata: { labels: labels(name) }, spec: { containers: [{ name, image: 'x:1' }] } } } },
  });
  const policy = (name: string, spec: object): ManifestRecord => ({ file: 'shop.yaml', manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec } });

  test('egress allowed but the target refusing ingress is drawn as refused', () => {
    const graph = buildGraph([
      deployment('web'),
      deployment('db'),
      policy('web', { podSelector: { matchLabels: labels('web') }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: labels('db') } }], ports: [{ port: 5432 }] }] }),
      policy('db', { podSelector: { matchLabels: labels('db') }, policyTypes: ['Ingress'], ingress: [] }),
    ]);
    expect(edge(graph, 'Deployment/shop/web', 'Deployment/shop/db')).toEqual({ kind: 'refused', label: ':5432: egress allowed, ingress refused' });
  });
});

describe('SVG', () => {
  test('is rendered offline and byte-identical for the same DOT', async () => {
    const render = await loadSvgRenderer();
    const dot = renderDot(buildGraph(synthCatalogue(catalogue, Environment.LOCAL)), 'shipshape');
    const svg = render(dot);
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg width="\d+pt"/);
    expect(svg).toContain('Deployment rocketchat');
    expect(render(dot)).toBe(svg);
  });
});

describe('docs/graph.svg', () => {
  test('is the graph `npm run synth` draws for the catalogue today', async () => {
    const outdir = path.join(tempDir('graph'), 'dist');
    synthesize({ env: Environment.LOCAL, apps: catalogue, outdir, renderSvg: await loadSvgRenderer() });
    const drawn = fs.readFileSync(path.join(outdir, 'graph.svg'), 'utf8');
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'graph.svg'), 'utf8');
    if (drawn !== committed) throw new Error('docs/graph.svg is out of date; redraw it with: npm run graph');
  });
});
