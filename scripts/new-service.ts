/**
 * `npm run new -- <name> --image <ref> --port <n>`: scaffolds apps/<name>/
 * (a WebService chart and its README), test/apps/<name>.test.ts, and
 * registers the app in apps/catalogue.ts, so the next synth and test include it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Command } from 'commander';
import { ContainerImage } from '../lib/building-blocks/image';
import { checkDnsLabel, checkPort } from '../lib/building-blocks/names';

export function scaffold(root: string, name: string, opts: { image: string; port: string; uid: string; health: string }): string[] {
  checkDnsLabel('new service', 'name', name);
  if (name.length > 40) throw new Error(`new service: name '${name}' is longer than 40 characters; object names get suffixes, so keep it short`);
  const port = checkPort('new service', 'port', Number(opts.port));
  const uid = Number(opts.uid);
  ContainerImage.of(opts.image, { uid });
  const variable = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const appDir = path.join(root, 'apps', name);
  const testFile = path.join(root, 'test', 'apps', `${name}.test.ts`);
  for (const existing of [appDir, testFile]) {
    if (fs.existsSync(existing)) throw new Error(`new service: ${path.relative(root, existing)} already exists; choose another name or remove it first`);
  }
  const listFile = path.join(root, 'apps', 'catalogue.ts');
  const list = fs.readFileSync(listFile, 'utf8');
  const LIST = /export const catalogue: readonly AppDefinition\[\] = \[([^\]]*)\];/;
  const entries = LIST.exec(list);
  if (!entries) throw new Error('new service: apps/catalogue.ts has no `export const catalogue ... = [...]` to register the app in');
  if (entries[1].split(',').map((s) => s.trim()).includes(variable)) throw new Error(`new service: apps/catalogue.ts already lists an app named ${variable}`);

  fs.mkdirSync(appDir, { recursive: true });
  fs.writeFileSync(path.join(appDir, 'app.ts'), appSource(name, variable, opts.image, uid, port, opts.health));
  fs.writeFileSync(path.join(appDir, 'README.md'), readme(name, opts.image, port, opts.health));
  fs.writeFileSync(testFile, testSource(name, variable));
  const imports = [...list.matchAll(/^import .*$/gm)];
  const last = imports[imports.length - 1];
  const insertAt = last.index! + last[0].length;
  const updated = `${list.slice(0, insertAt)}\nimport { ${variable} } from './${name}/app';${list.slice(insertAt)}`.replace(
    LIST,
    (_, apps: string) => `export const catalogue: readonly AppDefinition[] = [${apps.trim()}, ${variable}];`,
  );
  fs.writeFileSync(listFile, updated);
  return [`apps/${name}/app.ts`, `apps/${name}/README.md`, `test/apps/${name}.test.ts`, 'apps/catalogue.ts (registered)'];
}

function appSource(name: string, variable: string, image: string, uid: number, port: number, health: string): string {
  return `/**
 * ${name}: scaffolded by \`npm run new\`. See README.md beside this file.
 */
import { AppChart } from '../../lib/building-blocks/app-chart';
import { ContainerImage } from '../../lib/building-blocks/image';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { WebService } from '../../lib/workloads/web-service';

export const ${variable}: AppDefinition = {
  name: '${name}',
  description: '${name} web service',
  build(scope, env) {
    const chart = new AppChart(scope, '${name}', { env, description: this.description });
    new WebService(chart, '${name}', {
      image: ContainerImage.of('${image}', { uid: ${uid} }),
      port: ${port},
      healthPath: '${health}',
      ingressHost: \`${name}.\${env.config.baseDomain}\`,
    });
    // Connect to other services by object, e.g. \`web.connectTo(cache)\`; see apps/orders/app.ts.
    return chart;
  },
};
`;
}

function testSource(name: string, variable: string): string {
  return `import { ${variable} } from '../../apps/${name}/app';
import { environments } from '../../environments';
import { Environment } from '../../lib/building-blocks/environment';
import { assertGatePasses, assertRestricted, assertSelectorsMatch, find } from '../../lib/testing';
import { synthCatalogue } from '../helpers';

// Names every Secret a production synth asks for (e.g. of a MongoDB you add), as an operator would.
const synthApp = (app: typeof ${variable}, env: Environment) => synthCatalogue([app], env);

// Every environment of the project (environments.ts), so an added one is tested here too.
describe('${name} app', () => {
  test.each(environments.all().map((env) => [env.name, env] as const))('%s passes the gate, with restricted pods and selectors that meet them', (_name, env) => {
    const records = synthApp(${variable}, env);
    assertGatePasses(records, env);
    assertRestricted(records);
    assertSelectorsMatch(records);
  });

  test('the replicas follow the environment', () => {
    for (const env of environments.all()) {
      expect(find(synthApp(${variable}, env), 'Deployment', '${name}').spec.replicas).toBe(env.pick({ local: 1, production: 3 }));
    }
  });
});
`;
}

function readme(name: string, image: string, port: number, health: string): string {
  return `# ${name}

Scaffolded by \`npm run new\`: a \`WebService\` running \`${image}\` on port ${port}, with probes on \`${health}\`,
a Service on port 80, an Ingress (\`${name}.<baseDomain>\` of each environment in \`environments.ts\`), 1 replica
locally and 3 with a PodDisruptionBudget and spread in production, and a NetworkPolicy that admits only the ingress
controller. Edit \`app.ts\`: env, config files, resources, autoscaling, \`connectTo(...)\` and migrations are props and
methods of \`WebService\` (see \`lib/workloads/web-service.ts\` and \`apps/orders/\`).

\`\`\`sh
npm run synth -- --only ${name} && kubectl apply -f dist/${name}.yaml
kubectl -n ${name} rollout status deployment/${name}
kubectl -n ${name} port-forward svc/${name} 8080:80
\`\`\`
`;
}

if (require.main === module) {
  const program = new Command()
    .name('npm run new --')
    .description('Scaffold a web service app: apps/<name>/ with its chart, README and test, registered in apps/catalogue.ts.')
    .argument('<name>', 'app name: lowercase letters, digits and dashes')
    .requiredOption('--image <ref>', 'pinned image, e.g. ghcr.io/acme/api:1.4.2')
    .requiredOption('--port <n>', 'port the container listens on')
    .option('--uid <n>', 'numeric user the image runs as', '65532')
    .option('--health <path>', 'health endpoint', '/healthz')
    .action((name: string, opts: { image: string; port: string; uid: string; health: string }) => {
      try {
        const root = path.resolve(__dirname, '..');
        const files = scaffold(root, name, opts);
        // A fresh process, so the redrawn picture sees the catalogue with the new app registered.
        const drawn = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join('scripts', 'draw-graph.ts')], { cwd: root, encoding: 'utf8' });
        if (drawn.status === 0) files.push('docs/graph.svg (redrawn)');
        else console.error(`docs/graph.svg was not redrawn (run npm run graph): ${drawn.stderr.trim()}`);
        console.log(`created:\n  ${files.join('\n  ')}\nnext: npm run synth -- --only ${name} && npm test`);
      } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exitCode = 1;
      }
    });
  program.parse();
}
