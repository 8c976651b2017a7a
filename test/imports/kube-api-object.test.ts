/**
 * KubeApiObject.toJson (imports/kube-api-object.ts) must give what cdk8s's own ApiObject.toJson gives: the same object
 * with its keys in the same order, or the same error. Compared on every object of the catalogue in each environment,
 * and on seeded values with every kind of thing cdk8s resolves (Lazy, implicit tokens, number-or-string unions) and
 * every kind it drops or refuses.
 */
import { inspect } from 'util';
import * as vm from 'vm';
import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { catalogue } from '../../apps/catalogue';
import { environments } from '../../environments';
import { KubeApiObject } from '../../imports/kube-api-object';
import * as k8s from '../../imports/k8s';
import { buildApps } from '../../lib/tooling/synth/synthesize';
import { secretNamesFor } from '../helpers';

/** The outcome of a toJson, as text that shows key order, undefined values, prototypes and functions; or the error. */
function outcome(render: () => unknown): string {
  try {
    return inspect(render(), { depth: null, showHidden: true, maxArrayLength: null, maxStringLength: null, breakLength: Infinity });
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const ours = (o: ApiObject) => outcome(() => KubeApiObject.prototype.toJson.call(o));
const cdk8s = (o: ApiObject) => outcome(() => ApiObject.prototype.toJson.call(o));

describe('KubeApiObject', () => {
  test.each(environments.all().map((e) => e.name))('renders every object of the catalogue in %s as cdk8s does', (name) => {
    const env = environments.byName(name);
    const names = secretNamesFor(catalogue, env);
    const saved = { ...process.env };
    Object.assign(process.env, names);
    try {
      const app = buildApps(env, catalogue);
      const objects = app.node.findAll().filter((c): c is KubeApiObject => c instanceof KubeApiObject);
      expect(objects.length).toBeGreaterThan(80);
      const fallback = jest.spyOn(ApiObject.prototype, 'toJson');
      const rendered = objects.map((o) => `${o.node.path} ${ours(o)}`);
      // None needed cdk8s's own walk (which would give the same result, slowly).
      expect(fallback).not.toHaveBeenCalled();
      fallback.mockRestore();
      expect(rendered).toEqual(objects.map((o) => `${o.node.path} ${cdk8s(o)}`));
    } finally {
      process.env = saved;
    }
  });

  /** A seeded generator of values: everything cdk8s's resolvers replace, and everything its sanitizer drops or refuses. */
  function valueMaker(seed: number) {
    let x = seed;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    class Quantity {
      constructor(public readonly value: string | number) {}
    }
    class Opaque {
      public readonly field = 1;
    }
    const foreign = vm.runInNewContext('({ a: 1, b: [2] })');
    const keys = ['b', 'a', '10', '2', 'Z', 'z', 'é', 'app.kubernetes.io/name', '', 'constructor', 'value', 'resolve'];
    const make = (depth: number): unknown => {
      const leaves = [undefined, null, 0, -1.5, '', 'text', true, false, [], {}];
      if (depth <= 0) return pick(leaves);
      switch (Math.floor(next() * 10)) {
        case 0: {
          // Made now: a producer gives the same value to both renderings.
          const produced = make(depth - 1);
          return Lazy.any({ produce: () => produced });
        }
        case 1: {
          const resolved = make(depth - 1);
          return { resolve: () => resolved };
        }
        case 2:
          return new Quantity(pick(['1Gi', 2, '']));
        case 3:
          return Array.from({ length: Math.floor(next() * 4) }, () => make(depth - 1));
        case 4:
          return pick([new Opaque(), new Date(0), Object.create(null), foreign, () => 1]);
        case 5:
          return pick(leaves);
        default: {
          const o: Record<string, unknown> = {};
          for (let k = Math.floor(next() * 5); k > 0; k--) o[pick(keys)] = make(depth - 1);
          return o;
        }
      }
    };
    return make;
  }

  test('renders seeded values as cdk8s does, errors included, sorted or not, with patches', () => {
    const make = valueMaker(7);
    const app = new App();
    const chart = new Chart(app, 'chart', { namespace: 'ns', labels: { team: 'a' } });
    let compared = 0;
    let failed = 0;
    for (let i = 0; i < 600; i++) {
      const o = new KubeApiObject(chart, `o${i}`, {
        apiVersion: 'v1',
        kind: 'Thing',
        metadata: { name: `thing-${i}`, annotations: make(2) as any, labels: make(1) as any, finalizers: (i % 2 ? [] : [make(0), make(0)]) as any },
        spec: make(4),
        data: make(3),
      });
      o.metadata.addLabel('lazy', Lazy.any({ produce: () => (i % 3 === 0 ? undefined : 'x') }) as any);
      o.metadata.add('generateName', make(1));
      if (i % 5 === 0) o.addJsonPatch(JsonPatch.add('/extra', { b: 1, a: 2 }));
      for (const unsorted of [false, true]) {
        if (unsorted) process.env.CDK8S_DISABLE_SORT = '1';
        try {
          const result = ours(o);
          expect(result).toBe(cdk8s(o));
          if (result.startsWith('error')) failed++;
          compared++;
        } finally {
          delete process.env.CDK8S_DISABLE_SORT;
        }
      }
    }
    expect(compared).toBe(1200);
    // Both outcomes were met: values rendered, and values refused.
    expect(failed).toBeGreaterThan(50);
    expect(compared - failed).toBeGreaterThan(200);
  });

  test('an own __proto__ key, an app resolver of its own and a typed L1 give cdk8s results', () => {
    const calls: string[] = [];
    const upper: IResolver = {
      resolve: (context: ResolutionContext) => {
        calls.push(context.key.join('.'));
        if (context.value === 'lower') context.replaceValue('UPPER');
      },
    };
    for (const app of [new App(), new App({ resolvers: [upper] })]) {
      const chart = new Chart(app, 'chart');
      const proto = new KubeApiObject(chart, 'proto', { apiVersion: 'v1', kind: 'Thing', spec: JSON.parse('{"__proto__": {"a": 1}, "b": "lower"}') });
      expect(ours(proto)).toBe(cdk8s(proto));
      const map = new k8s.KubeConfigMap(chart, 'map', { metadata: { name: 'm' }, data: { z: 'lower', a: Lazy.any({ produce: () => 'lazy' }) as any } });
      expect(ours(map)).toBe(cdk8s(map));
      expect(map.toJson().data).toEqual({ a: 'lazy', z: app.resolvers.length === 4 ? 'UPPER' : 'lower' });
    }
    // The app's own resolver was asked about every value, as cdk8s asks it.
    expect(calls).toContain('data.z');
  });

  test('number-or-string unions, tokens and Lazy values take the one walk, not the fallback', () => {
    const chart = new Chart(new App(), 'chart');
    const deployment = new k8s.KubeDeployment(chart, 'd', {
      metadata: { name: 'd', annotations: { note: Lazy.any({ produce: () => 'later' }) as any } },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        strategy: { rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromString('25%') } },
        template: { spec: { containers: [{ name: 'c', resources: { limits: { memory: k8s.Quantity.fromString('1Gi') } }, env: { resolve: () => [{ name: 'X', value: 'y' }] } as any }] } },
      },
    });
    const fallback = jest.spyOn(ApiObject.prototype, 'toJson');
    const result = ours(deployment);
    expect(fallback).not.toHaveBeenCalled();
    fallback.mockRestore();
    expect(result).toBe(cdk8s(deployment));
    expect(deployment.toJson().spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: '25%' });
    expect(deployment.toJson().spec.template.spec.containers[0]).toMatchObject({ env: [{ name: 'X', value: 'y' }], resources: { limits: { memory: '1Gi' } } });
    expect(deployment.toJson().metadata.annotations).toEqual({ note: 'later' });
  });
});
