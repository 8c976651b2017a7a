/**
 * A project's own environments: one definition adds staging to every app (no change elsewhere), `pick` goes by
 * tier with per-name overrides, production must name its API server, and pods that call the API may reach only it.
 */
import { catalogue } from '../../apps/catalogue';
import { orders } from '../../apps/orders/app';
import { environments } from '../../environments';
import { Environment, EnvironmentTier, Environments } from '../../lib/building-blocks/environment';
import { ResourcePreset, Resources } from '../../lib/building-blocks/resources';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { buildGraph } from '../../lib/tooling/graph/model';
import { runSynthCli } from '../../lib/tooling/synth/cli';
import { find, findAll, findingsOf, synthApps, synthCatalogue, tempDir } from '../helpers';
import * as path from 'path';

const staging = Environment.define({
  name: 'staging',
  tier: EnvironmentTier.PRODUCTION,
  baseDomain: 'staging.acme.dev',
  apiServer: { cidrs: ['10.1.0.4/32', '10.1.0.5/32'], ports: [443] },
  minKubernetesVersion: '1.32',
});

describe('environments a project defines', () => {
  test('the project lists its environments in environments.ts; the library presets still work', () => {
    expect(environments.all().map((e) => e.name)).toEqual(['local', 'production']);
    expect(environments.default).toBe(Environment.LOCAL);
    expect(Environment.byName('production')).toBe(Environment.PRODUCTION);
    expect(Environment.LOCAL.config.minKubernetesVersion).toBe('1.31');
    expect(Environment.PRODUCTION.config.minKubernetesVersion).toBe('1.30');
    expect(staging.config).toMatchObject({ baseDomain: 'staging.acme.dev', highAvailability: true, tls: true, developmentSecrets: false, minKubernetesVersion: '1.32' });
  });

  test('an added staging synthesises the whole catalogue, which passes the gate, with production-tier values', () => {
    const records = synthCatalogue(catalogue, staging);
    expect(findingsOf(records, staging)).toEqual([]);
    expect(find(records, 'Deployment', 'orders-audit').spec.replicas).toBe(2);
    expect(find(records, 'StatefulSet', 'rocketchat-mongodb').spec.replicas).toBe(3);
    expect(find(records, 'Ingress', 'orders-api').spec.rules[0].host).toBe('orders.staging.acme.dev');
  });

  test('pick goes by tier, a name overrides its tier, and a misspelt name is refused', () => {
    const values = { local: 1, production: 3, staging: 2 };
    expect([Environment.LOCAL, Environment.PRODUCTION, staging].map((e) => e.pick(values))).toEqual([1, 3, 2]);
    expect(staging.pick({ local: 1, production: 3 })).toBe(3);
    expect(() => staging.pick({ local: 1, production: 3, stagign: 2 })).toThrow("env.pick: 'stagign' is no environment; known: local, production, staging");
    // Presets and explicit values mix without a type annotation (this line is type-checked by `npm test`).
    const resources: ResourcePreset | Resources = staging.pick({ local: ResourcePreset.SMALL, production: { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' } });
    expect(resources).toEqual({ cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' });
    // An explicit type argument, as code written before still does, keeps compiling.
    expect(Environment.LOCAL.pick<ResourcePreset | Resources>({ local: ResourcePreset.SMALL, production: ResourcePreset.LARGE })).toBe(ResourcePreset.SMALL);
  });

  test('production tier needs its domain and API server; the whole internet and bad CIDRs are refused', () => {
    expect(() => Environment.define({ name: 'prod-eu', tier: EnvironmentTier.PRODUCTION, baseDomain: 'eu.acme.dev' })).toThrow(
      "environment 'prod-eu': a production-tier environment needs apiServer; list its endpoints, from `kubectl get endpoints kubernetes -n default -o yaml`",
    );
    expect(() => Environment.define({ name: 'prod-eu', tier: EnvironmentTier.PRODUCTION, apiServer: { cidrs: ['10.0.0.1/32'], ports: [443] } })).toThrow(/needs baseDomain/);
    expect(() => Environment.PRODUCTION.with({ apiServer: { cidrs: ['0.0.0.0/0'], ports: [443] } })).toThrow(/opens the whole internet/);
    expect(() => Environment.PRODUCTION.with({ apiServer: { cidrs: ['10.0.0.1'], ports: [443] } })).toThrow("apiServer.cidrs '10.0.0.1' is not a CIDR");
    expect(() => Environment.PRODUCTION.with({ minKubernetesVersion: '1.30.2' })).toThrow(/is not a Kubernetes minor/);
    expect(() => new Environments([Environment.LOCAL, Environment.LOCAL])).toThrow("environments: 'local' is defined twice");
  });

  test('--env takes the project environments, and --help lists them', async () => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s) => void out.push(String(s)));
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      const list = new Environments([Environment.LOCAL, staging]);
      const outdir = path.join(tempDir('env-cli'), 'dist');
      process.exitCode = undefined;
      await runSynthCli(catalogue.filter((a) => a.name === 'memcached'), ['node', 'main.ts', '--env', 'staging', '--outdir', outdir], list);
      expect(process.exitCode ?? 0).toBe(0);
      expect(out.join('\n')).toContain("synthesised 1 app(s) for env 'staging': memcached");
      await runSynthCli(catalogue, ['node', 'main.ts', '--help'], list);
      expect(out.join('\n')).toMatch(/--env <env> +environment: local, staging \(default: "local"\)/);
    } finally {
      log.mockRestore();
      write.mockRestore();
      process.exitCode = undefined;
    }
  });
});

describe('egress to the Kubernetes API', () => {
  test.each([
    ['local', Environment.LOCAL],
    ['production', Environment.PRODUCTION],
    ['staging', staging],
  ])('in %s, the pods that wait for a migration reach only the API server endpoints, on their ports', (_name, env) => {
    const records = synthApps([orders], env);
    const blocks = findAll(records, 'NetworkPolicy').flatMap((np) => (np.spec.egress ?? []).flatMap((r: any) => (r.to ?? []).filter((t: any) => t.ipBlock).map((t: any) => ({ cidr: t.ipBlock.cidr, ports: r.ports.map((p: any) => p.port), policy: np.metadata.name }))));
    // The waiters of the API (its init container) and the migration Job, which records its run: each reaches exactly the endpoints.
    const policies = [...new Set(blocks.map((b) => b.policy))].sort();
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      expect(policy).toMatch(/^orders-api(-migrate)?$/);
      expect(blocks.filter((b) => b.policy === policy).map((b) => b.cidr).sort()).toEqual([...env.config.apiServer.cidrs].sort());
    }
    for (const b of blocks) expect(b.ports).toEqual([...env.config.apiServer.ports]);
  });

  test('the picture names the Kubernetes API and its addresses', () => {
    const graph = buildGraph(synthApps([orders], staging));
    const api = graph.nodes.filter((n) => n.kind === 'outside' && n.lines.join(' ').includes('Kubernetes API'));
    expect(api.map((n) => n.lines.join(' ')).sort()).toEqual(['Kubernetes API: 10.1.0.4/32', 'Kubernetes API: 10.1.0.5/32']);
    const from = graph.edges.filter((e) => api.some((n) => n.id === e.to)).map((e) => `${e.from} ${e.label}`);
    expect(from).toContain('Deployment/orders/orders-api :443');
    for (const f of from) expect(f).toMatch(/orders-api.* :443$/);
  });

  test('NetworkPeers.internet excludes the cluster ranges of the environment', () => {
    const peer = NetworkPeers.internet(Environment.LOCAL.config.clusterNetwork);
    expect(peer.rule.ipBlock).toEqual({ cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12', '172.16.0.0/12', '192.168.0.0/16'] });
  });
});
