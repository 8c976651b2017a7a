/**
 * A generated catalogue of N WebServices (Deployment, Service, ConfigMap, PDB,
 * NetworkPolicy and ServiceAccount each) through the same synth pipeline,
 * validation included: `node --require tsx/cjs bench/generated.ts <N> <outdir>`.
 */
import { AppChart } from '../lib/app-chart';
import { ContainerImage } from '../lib/image';
import { AppDefinition } from '../lib/synth/catalogue';
import { synthesize } from '../lib/synth/synthesize';
import { Environment } from '../lib/environment';
import { WebService } from '../lib/web-service';

const count = Number(process.argv[2] ?? '10');
const outdir = process.argv[3] ?? '.dist-bench';
const image = ContainerImage.of('ghcr.io/stefanprodan/podinfo:6.7.1', { uid: 100, gid: 101 });

const generated: AppDefinition = {
  name: 'generated',
  description: `${count} generated web services`,
  build(scope, env) {
    const chart = new AppChart(scope, 'generated', { env, description: this.description });
    for (let i = 0; i < count; i++) {
      new WebService(chart, `svc-${i}`, { image, port: 9898, replicas: 2, configFiles: { 'settings.yaml': `index: ${i}\n` } });
    }
    return chart;
  },
};

const result = synthesize({ env: Environment.LOCAL, apps: [generated], outdir });
console.log(`${result.records.length} objects`);
