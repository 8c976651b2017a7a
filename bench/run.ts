/**
 * `npm run bench`: wall time and peak RSS of the synth, run the fast way and
 * the stock cdk8s way, of generated catalogues against `helm template` of an
 * equivalent chart, of validation alone, and of a re-synth in watch mode.
 * Each command runs once to warm up, then RUNS times; figures go to stdout as
 * a table, with the time per stage of a synth, and to bench/results/<date>.json.
 * Public tools only: node, npx, GNU time for peak RSS where it is installed,
 * helm where it is on PATH (`npm run get-helm`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Environment } from '../lib/building-blocks/environment';
import { writeEquivalentChart } from './helm-chart';
import { watchLatency } from './watch-latency';

// `npm run bench -- memcached [preset ...]`: the real-binary memory check of bench/memcached.ts instead.
if (process.argv[2] === 'memcached') {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'run.js'), path.join(__dirname, 'memcached.ts'), ...process.argv.slice(3)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.resolve(__dirname, '..');
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-'));
const OUTPUT = path.join(OUT, 'stdout');
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const ENV = { ...process.env, ROCKETCHAT_MONGODB_SECRET: 'rocketchat-mongodb-credentials', ROCKETCHAT_ADMIN_SECRET: 'rocketchat-admin' };

interface Figure { name: string; runs: number; medianS: number; minS: number; maxS: number; peakRssMB?: number }

function runOnce(name: string, command: string[]): { seconds: number; rssKB?: number } {
  const argv = GNU_TIME ? [GNU_TIME, '-f', '%M', ...command] : command;
  const started = process.hrtime.bigint();
  // Output goes to a file, never into a buffer: `helm template` of 1,000 services writes megabytes.
  const out = fs.openSync(OUTPUT, 'w');
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, encoding: 'utf8', stdio: ['ignore', out, 'pipe'], maxBuffer: 64 * 2 ** 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.closeSync(out);
  if (r.status !== 0) throw new Error(`${name}: ${command.join(' ')} failed:\n${fs.readFileSync(OUTPUT, 'utf8').slice(0, 4000)}\n${r.stderr}`);
  const rssKB = GNU_TIME ? Number(r.stderr.trim().split('\n').pop()) : undefined;
  return { seconds, rssKB };
}

function figure(name: string, samples: { seconds: number; rssKB?: number }[]): Figure {
  const times = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const rss = samples.map((s) => s.rssKB ?? 0);
  return {
    name,
    runs: samples.length,
    medianS: round(times[Math.floor(times.length / 2)]),
    minS: round(times[0]),
    maxS: round(times[times.length - 1]),
    peakRssMB: GNU_TIME ? Math.round(Math.max(...rss) / 1024) : undefined,
  };
}

function measure(name: string, command: string[]): Figure {
  return measureTogether([{ name, command }])[0];
}

/**
 * Commands whose times are compared, run in turn (a, b, a, b, ...) after one warm-up each: a machine whose speed
 * drifts over a minute (other work, a noisy neighbour) then slows both sides of a ratio alike. The last run of each is
 * its last in the list, so OUTPUT holds the last command's output.
 */
function measureTogether(commands: readonly { name: string; command: string[] }[]): Figure[] {
  for (const c of commands) runOnce(c.name, c.command);
  const samples = commands.map(() => [] as { seconds: number; rssKB?: number }[]);
  for (let i = 0; i < RUNS; i++) commands.forEach((c, k) => samples[k].push(runOnce(c.name, c.command)));
  return commands.map((c, k) => figure(c.name, samples[k]));
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const node = (...args: string[]) => ['node', 'scripts/run.js', ...args];
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SIZES = [10, 100, 1000];

/** The per-stage times of one synth (SHIPSHAPE_STAGES=1), in ms. */
function stages(command: string[]): Record<string, number> {
  const r = spawnSync(command[0], command.slice(1), { cwd: ROOT, env: { ...ENV, SHIPSHAPE_STAGES: '1' }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const line = /stages: (\{.*\})/.exec(r.stderr ?? '');
  if (r.status !== 0 || !line) throw new Error(`${command.join(' ')} gave no stages:\n${r.stderr}`);
  return JSON.parse(line[1]);
}

/** Whether two multi-document YAML texts hold the same documents, in any order, config-hash values aside. */
function sameObjects(a: string, b: string): string {
  const docs = (text: string) =>
    text
      .replace(/^# Source:.*\n/gm, '')
      .split(/^---\s*$/m)
      .map((d) => d.replace(/(config-hash: )\S+/g, '$1x').trim())
      .filter(Boolean)
      .sort();
  const [x, y] = [docs(a), docs(b)];
  const differing = x.filter((d, i) => d !== y[i]).length;
  return x.length === y.length && differing === 0 ? `yes (${x.length} objects)` : `NO (${x.length} against ${y.length} objects, ${differing} differ)`;
}

async function main(): Promise<void> {
  const [load] = os.loadavg();
  if (load > os.cpus().length / 2) console.log(`note: load average ${load.toFixed(1)} on ${os.cpus().length} cores before the bench; other work skews the figures (a Go helm suffers less than our threads)`);
  const figures: Figure[] = [];
  for (const env of ['local', 'production']) {
    figures.push(measure(`npm run synth (${env})`, ['npm', 'run', '--silent', 'synth', '--', '-q', '-e', env, '--outdir', path.join(OUT, `synth-${env}`)]));
  }
  figures.push(measure('stock: npx ts-node main.ts (local, type-checking)', ['npx', 'ts-node', 'main.ts', '-q', '--outdir', path.join(OUT, 'stock')]));
  const helm = has('helm');
  const comparison: string[] = [];
  const generated = (n: number) => ({ name: `generated N=${n} WebServices`, command: node('bench/generated.ts', String(n), path.join(OUT, `gen-${n}`)) });
  if (!helm) for (const n of SIZES) figures.push(measure(generated(n).name, generated(n).command));
  if (helm) {
    // The chart is made from our own synth of one service (bench/helm-chart.ts), so both write the same objects.
    const sample = path.join(OUT, 'sample');
    spawnSync('node', node('bench/generated.ts', '1', sample).slice(1), { cwd: ROOT, env: ENV });
    const chart = writeEquivalentChart(path.join(OUT, 'helm-chart'), fs.readFileSync(path.join(sample, 'generated.yaml'), 'utf8'));
    // Each size against helm at the same size, in turn (helm last, so OUTPUT holds its N=1000 output below).
    const pairs = SIZES.map((n) => measureTogether([generated(n), { name: `helm template, equivalent chart, N=${n}`, command: ['helm', 'template', 'generated', chart, '--set', `count=${n}`] }]));
    figures.push(...pairs.map(([ours]) => ours), ...pairs.map(([, theirs]) => theirs));
    const same = sameObjects(fs.readFileSync(OUTPUT, 'utf8'), fs.readFileSync(path.join(OUT, 'gen-1000', 'generated.yaml'), 'utf8')); // the last run: N=1000
    comparison.push(`helm template and our synth at N=1000 write the same objects (order and config-hash values aside): ${same}`);
  } else {
    console.log('helm is not on PATH: the `helm template` rows are left out (npm run get-helm fetches it)');
  }
  figures.push(measure('validation alone (npm run validate -- dist of local)', ['npm', 'run', '--silent', 'validate', '--', '--min-k8s', Environment.LOCAL.config.minKubernetesVersion, path.join(OUT, 'synth-local')]));
  figures.push(measure('floor: node -e 0', ['node', '-e', '0']));
  const watchSamples = (await watchLatency(ROOT, path.join(OUT, 'watch'), RUNS, ENV)).sort((a, b) => a - b);
  figures.push({ name: 'watch: saved one-line change to new dist/ of the catalogue', runs: RUNS, medianS: round(watchSamples[Math.floor(RUNS / 2)]), minS: round(watchSamples[0]), maxS: round(watchSamples[RUNS - 1]) });

  const stageTimes = {
    'catalogue (local)': stages(node('main.ts', '-q', '--outdir', path.join(OUT, 'stages-catalogue'))),
    ...Object.fromEntries(SIZES.map((n) => [`generated N=${n}`, stages(node('bench/generated.ts', String(n), path.join(OUT, `stages-${n}`)))])),
  };

  const median = (prefix: string) => figures.find((f) => f.name.startsWith(prefix))!.medianS;
  const t = (n: number) => median(`generated N=${n} `);
  const ratios: Record<string, number> = {
    synthOverStock: round(median('npm run synth (local)') / median('stock:')),
    // Linear cost: the time above N=10 grows 10x from N=100 to N=1000.
    generatedGrowth100To1000: round((t(1000) - t(10)) / (t(100) - t(10))),
    ...(helm
      ? {
          generated10OverHelm10: round(t(10) / median('helm template, equivalent chart, N=10')),
          generated1000OverHelm1000: round(t(1000) / median('helm template, equivalent chart, N=1000')),
          watchOverHelm10: round(median('watch:') / median('helm template, equivalent chart, N=10')),
        }
      : {}),
    peakRssN1000MB: figures.find((f) => f.name.startsWith('generated N=1000 '))!.peakRssMB ?? NaN,
  };
  // Issue #19's goals; the growth ratio is 10 when cost is linear in N.
  const goals: Record<string, { max: number; text: string }> = {
    synthOverStock: { max: 0.12, text: '<= 0.12' },
    generatedGrowth100To1000: { max: 11, text: '~10 (linear)' },
    generated10OverHelm10: { max: 4, text: '<= 4' },
    generated1000OverHelm1000: { max: 1, text: '<= 1.0' },
    watchOverHelm10: { max: 1, text: 'on par (<= 1)' },
    peakRssN1000MB: { max: 250, text: '<= 250' },
  };
  const verdicts = Object.entries(ratios).map(([k, v]) => `| ${k} | ${v} | ${goals[k]?.text ?? ''} | ${goals[k] ? (v <= goals[k].max ? 'met' : 'NOT met') : ''} |`);
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  const rows = figures.map((f) => `| ${f.name} | ${f.medianS} | ${f.minS} | ${f.maxS} | ${f.peakRssMB ?? 'n/a'} |`);
  const stageNames = [...new Set(Object.values(stageTimes).flatMap((s) => Object.keys(s)))];
  const table = [
    `machine: ${machine}; ${RUNS} runs after a warm-up; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    '',
    '| command | median s | min s | max s | peak RSS MB |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `| stage (ms, one run) | ${Object.keys(stageTimes).join(' | ')} |`,
    `|---|${Object.keys(stageTimes).map(() => '---|').join('')}`,
    ...stageNames.map((s) => `| ${s} | ${Object.values(stageTimes).map((st) => st[s] ?? '').join(' | ')} |`),
    '',
    '| ratio | value | goal | |',
    '|---|---|---|---|',
    ...verdicts,
    '',
    ...comparison,
  ].join('\n');
  console.log(table);
  // BENCH_LABEL names a variant, e.g. `SHIPSHAPE_BUNDLE=off SHIPSHAPE_PARALLEL=off BENCH_LABEL=before npm run bench`.
  const label = process.env.BENCH_LABEL ? `-${process.env.BENCH_LABEL.replace(/[^a-z0-9-]/gi, '')}` : '';
  const file = path.join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}${label}.json`);
  fs.writeFileSync(file, JSON.stringify({ machine, runs: RUNS, loadAverage: os.loadavg(), figures, stages: stageTimes, ratios, comparison }, null, 2) + '\n');
  console.log(`\nwritten: ${path.relative(ROOT, file)}`);
}

main()
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(OUT, { recursive: true, force: true }));
