/**
 * A Helm chart equivalent to bench/generated.ts, for `helm template` where helm is on PATH: made from our own synth
 * of one service, so helm renders the very objects we write, field for field. The objects of service `svc-0` become
 * one template ranging over `.Values.count` (name, config file and config hash per service, the hash computed by
 * helm's sha256sum as a chart's checksum annotation is); the app-level objects (Namespace, its default NetworkPolicies,
 * the ApplySet parent) are written once.
 */
import * as fs from 'fs';
import * as path from 'path';

/** `sample`: dist/generated.yaml of `bench/generated.ts 1`. */
export function writeEquivalentChart(dir: string, sample: string): string {
  const docs = sample.split(/^---\n/m);
  const perService = docs.filter((d) => d.includes('svc-0'));
  const once = docs.filter((d) => !d.includes('svc-0'));
  if (perService.length === 0) throw new Error('bench: the sample synth has no svc-0 objects');
  const service = perService
    .map((d) =>
      d
        .replace(/svc-0/g, '{{ $name }}')
        .replace(/index: 0$/m, 'index: {{ $i }}')
        .replace(/(shipshape\.dev\/config-hash: )\S+/, '$1{{ printf "index: %d\\n" $i | sha256sum | trunc 16 }}'),
    )
    .join('---\n');
  const template = [
    once.join('---\n'),
    '---\n{{- range $i := until (int .Values.count) }}\n{{- $name := printf "svc-%d" $i }}\n',
    service,
    '---\n{{- end }}\n',
  ].join('');
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: generated\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), 'count: 10\n');
  fs.writeFileSync(path.join(dir, 'templates', 'services.yaml'), template);
  return dir;
}
