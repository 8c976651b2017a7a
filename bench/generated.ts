/**
 * A generated catalogue of N WebServices (Deployment, Service, ConfigMap, PDB,
 * NetworkPolicy and ServiceAccount each) through the synth CLI, validation
 * and graph included: `node scripts/run.js bench/generated.ts <N> <outdir>`.
 */
import { AppChart } from '../lib/building-blocks/app-chart';
import { ContainerImage } from '../lib/building-blocks/image';
import { AppDefinition } from '../lib/building-blocks/app-definition';
import { runSynthCli } from '../lib/tooling/synth/cli';
import { WebService } from '../lib/workloads/web-service';

const count = Number(process.argv[2] ?? '10');
const outdir = process.argv[3] ?? '.dist-bench';
const image = ContainerImage.of('ghcr.io/stefanprodan/podinfo:6.12.0', { uid: 100, gid: 101 });

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

// The same entry point as `npm run synth`: validation, graph and atomic write included.
void runSynthCli([generated], [process.argv[0], 'bench/generated.ts', '--env', 'local', '--outdir', outdir, '--quiet']);
