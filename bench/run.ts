/**
 * `npm run bench`: wall time and peak RSS of the synth, run the fast way and
 * the stock cdk8s way, of generated catalogues, and of validation alone.
 * Each command runs once to warm up, then RUNS times; figures go to stdout as
 * a table and to bench/results/<date>.json. Public tools only: node, npx,
 * GNU time for peak RSS where it is installed, helm where it is on PATH.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeEquivalentChart } from './helm-chart';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.resolve(__dirname, '..');
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-'));
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const ENV = { ...process.env, ROCKETCHAT_MONGODB_SECRET: 'rocketchat-mongodb-credentials', ROCKETCHAT_ADMIN_SECRET: 'rocketchat-admin' };

interface Figure { name: string; runs: number; medianS: number; minS: number; maxS: number; peakRssMB?: number }

function measure(name: string, command: string[]): Figure {
  const once = () => {
    const argv = GNU_TIME ? [GNU_TIME, '-f', '%M', ...command] : command;
    const started = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`${name}: ${command.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    const rssKB = GNU_TIME ? Number(r.stderr.trim().split('\n').pop()) : undefined;
    return { seconds, rssKB };
  };
  once();
  const samples = Array.from({ length: RUNS }, once);
  const times = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const rss = samples.map((s) => s.rssKB ?? 0);
  return {
    name,
    runs: RUNS,
    medianS: round(times[Math.floor(times.length / 2)]),
    minS: round(times[0]),
    maxS: round(times[times.length - 1]),
    peakRssMB: GNU_TIME ? Math.round(Math.max(...rss) / 1024) : undefined,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const node = (...args: string[]) => ['node', '--require', 'tsx/cjs', ...args];
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const figures: Figure[] = [];
for (const env of ['local', 'production']) {
  figures.push(measure(`npm run synth (${env})`, ['npm', 'run', '--silent', 'synth', '--', '-q', '-e', env, '--outdir', path.join(OUT, `synth-${env}`)]));
}
figures.push(measure('stock: npx ts-node main.ts (local, type-checking)', ['npx', 'ts-node', 'main.ts', '-q', '--outdir', path.join(OUT, 'stock')]));
for (const n of [10, 100, 1000]) figures.push(measure(`generated N=${n} WebServices`, node('bench/generated.ts', String(n), path.join(OUT, `gen-${n}`))));
figures.push(measure('validation alone (npm run validate -- dist of local)', ['npm', 'run', '--silent', 'validate', '--', path.join(OUT, 'synth-local')]));
figures.push(measure('floor: node -e 0', ['node', '-e', '0']));
// What validation adds inside a synth (issue: at most 300 ms): timed in the child, fresh process each run.
const validationMs = Array.from({ length: RUNS }, () => Number(spawnSync('node', ['--require', 'tsx/cjs', 'bench/validate-in-process.ts'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim())).sort((a, b) => a - b);
if (has('helm')) {
  const chart = writeEquivalentChart(path.join(OUT, 'helm-chart'));
  for (const n of [10, 100, 1000]) figures.push(measure(`helm template, equivalent chart, N=${n}`, ['helm', 'template', 'generated', chart, '--set', `count=${n}`]));
} else {
  console.log('helm is not on PATH: the `helm template` rows are left out');
}

const median = (prefix: string) => figures.find((f) => f.name.startsWith(prefix))!.medianS;
const ratios = {
  synthOverStock: round(median('npm run synth (local)') / median('stock:')),
  generated1000Over100: round(median('generated N=1000') / median('generated N=100')),
  validationInSynthMedianMs: Math.round(validationMs[Math.floor(validationMs.length / 2)]),
  ...(has('helm') ? { generated1000OverHelm1000: round(median('generated N=1000') / median('helm template, equivalent chart, N=1000')) } : {}),
};
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const rows = figures.map((f) => `| ${f.name} | ${f.medianS} | ${f.minS} | ${f.maxS} | ${f.peakRssMB ?? 'n/a'} |`);
const table = [
  `machine: ${machine}; ${RUNS} runs after a warm-up`,
  '',
  '| command | median s | min s | max s | peak RSS MB |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  `ratio synth/stock: ${ratios.synthOverStock}; t(1000)/t(100): ${ratios.generated1000Over100}; validation inside the synth: ${ratios.validationInSynthMedianMs} ms (median)` +
    ('generated1000OverHelm1000' in ratios ? `; N=1000 against helm template: ${ratios.generated1000OverHelm1000}` : ''),
].join('\n');
console.log(table);
const file = path.join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.json`);
fs.writeFileSync(file, JSON.stringify({ machine, runs: RUNS, figures, ratios }, null, 2) + '\n');
console.log(`\nwritten: ${path.relative(ROOT, file)}`);
fs.rmSync(OUT, { recursive: true, force: true });
