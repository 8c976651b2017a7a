import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { Environment } from '../../lib/building-blocks/environment';
import { ContainerImage } from '../../lib/building-blocks/image';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { ShutdownPolicy } from '../../lib/building-blocks/shutdown';
import { checkSignalPropagation, InitProcess } from '../../lib/building-blocks/signals';
import { Workload, WorkloadKind } from '../../lib/building-blocks/workload';
import { validateManifests } from '../../lib/tooling/validation';
import { schemaVersionsFor } from '../../lib/tooling/validation/schema';
import { find, findingsOf, synthChart } from '../helpers';

const distroless = ContainerImage.of('gcr.io/distroless/nodejs22-debian12:nonroot');
const alpine = ContainerImage.of('ghcr.io/stefanprodan/podinfo:6.12.0', { uid: 100, hasSleep: true });

describe('the default drain works in images without sleep', () => {
  const server = ShutdownPolicy.server({ drainSeconds: 5 });

  test('from Kubernetes 1.30 on it is the kubelet sleep action, which needs nothing in the image', () => {
    expect(server.lifecycle('web', distroless, '1.30')).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(server.lifecycle('web', distroless, '1.34')).toEqual({ preStop: { sleep: { seconds: 5 } } });
  });

  test('below 1.30 it runs sleep in an image that declares it, and refuses an image that does not', () => {
    expect(server.lifecycle('web', alpine, '1.29')).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(() => server.lifecycle("web 'api' container 'api'", distroless, '1.27')).toThrow(
      "web 'api' container 'api': the 5s drain before SIGTERM needs the native sleep action (Kubernetes 1.30+, but the environment's minKubernetesVersion is 1.27) " +
        "or a sleep program in image 'gcr.io/distroless/nodejs22-debian12:nonroot', which does not declare one; declare it with ContainerImage.of('gcr.io/distroless/nodejs22-debian12:nonroot', { hasSleep: true })",
    );
  });

  test('a drain command of your own is used as given; no drain, no hook', () => {
    expect(ShutdownPolicy.server({ drainCommand: ['/app/drain'] }).lifecycle('web', distroless, '1.27')).toEqual({ preStop: { exec: { command: ['/app/drain'] } } });
    expect(ShutdownPolicy.worker().lifecycle('web', distroless, '1.27')).toBeUndefined();
    expect(() => ShutdownPolicy.server({ drainCommand: [] })).toThrow('shutdown policy: drainCommand is empty');
  });

  const workload = (kind: WorkloadKind) => (c: any) => new Workload(c, 'web', {
    identity: { name: 'web', instance: 'web', component: 'server' },
    kind,
    shutdown: server,
    cron: { schedule: '0 3 * * *' },
    containers: [
      { name: 'sidecar', image: distroless, resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) } },
      { name: 'web', image: distroless, resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) } },
    ],
  });

  test.each([
    [WorkloadKind.DEPLOYMENT, 'Deployment', (o: any) => o.spec.template.spec],
    [WorkloadKind.CRON_JOB, 'CronJob', (o: any) => o.spec.jobTemplate.spec.template.spec],
  ])('a %s of distroless containers gets the sleep action in every container, and passes the gate for its environment', (kind, kindName, podOf) => {
    const records = synthChart(workload(kind));
    const pod = podOf(find(records, kindName, 'web'));
    for (const c of pod.containers) expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5);
    expect(findingsOf(records)).toEqual([]);
    // The same objects fail the 1.27 schema, which is why an environment below 1.30 must not get them.
    expect(validateManifests(records, { versions: ['1.27'] }).findings.some((f) => f.message.includes("unknown field 'sleep'"))).toBe(true);
  });

  test('an environment whose minimum is 1.27 gets exec sleep in images that declare it, passes both schemas, and refuses the rest', () => {
    const old = Environment.LOCAL.with({ minKubernetesVersion: '1.27' });
    const server1 = (image: ContainerImage) => (c: any) => new Workload(c, 'web', {
      identity: { name: 'web', instance: 'web', component: 'server' },
      shutdown: server,
      containers: [{ name: 'web', image, resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) } }],
    });
    const records = synthChart(server1(alpine), old);
    expect(find(records, 'Deployment', 'web').spec.template.spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(findingsOf(records, old)).toEqual([]);
    expect(() => synthChart(server1(distroless), old)).toThrow("web 'web' container 'web': the 5s drain before SIGTERM needs the native sleep action (Kubernetes 1.30+, but the environment's minKubernetesVersion is 1.27)");
  });

  test('a Job with a drain names its hash over the drain too', () => {
    const records = synthChart(workload(WorkloadKind.JOB));
    const job = records.find((r: any) => r.manifest.kind === 'Job')!.manifest as any;
    expect(job.spec.template.spec.containers[1].lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
  });

  test('every environment states its minimum, and the synth checks the schemas that apply from it', () => {
    expect(schemaVersionsFor('1.27')).toEqual(['1.27', '1.36']);
    expect(schemaVersionsFor('1.26')).toEqual(['1.27', '1.36']);
    expect(schemaVersionsFor('1.30')).toEqual(['1.36']);
    expect(schemaVersionsFor('1.36')).toEqual(['1.36']);
    expect(schemaVersionsFor('1.40')).toEqual(['1.36']);
    expect(() => schemaVersionsFor('v1.30')).toThrow("Kubernetes version 'v1.30' is not a minor release like '1.30'");
  });
});

describe('InitProcess options that cannot apply are refused', () => {
  const worker = (container: object) => () => synthChart((c) => new Workload(c, 'w', {
    identity: { name: 'w', instance: 'w', component: 'worker' },
    initProcess: InitProcess.tini(),
    shutdown: ShutdownPolicy.worker(),
    containers: [{ name: 'w', image: alpine, resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) }, ...container }],
  }));

  test('tini with args only (the image entrypoint would run without it)', () => {
    expect(worker({ args: ['--port', '80'] })).toThrow("w 'w' container 'w': initProcess tini needs command, since it is prepended to it, but only args are given; spell out the image's entrypoint in command");
  });
  test('tini with neither command nor args', () => {
    expect(worker({})).toThrow("initProcess tini needs command, since it is prepended to it, but only the image entrypoint is given");
  });
  test('tini with command is prepended', () => {
    const records = worker({ command: ['/app/worker'] })();
    expect(find(records, 'Deployment', 'w').spec.template.spec.containers[0].command).toEqual(['/usr/bin/tini', '--', '/app/worker']);
  });
});

describe('shell wrappers: does SIGTERM reach the program?', () => {
  const verdict = (argv: string[]) => {
    try {
      checkSignalPropagation('x', argv);
      return 'passes';
    } catch {
      return 'refused';
    }
  };
  test.each([
    // [argv, verdict, why]
    [['sh', '-c', 'node server.js'], 'refused', 'sh stays PID 1'],
    [['/usr/bin/sh', '-c', 'node server.js'], 'refused', 'a shell by full path'],
    [['/usr/bin/env', 'bash', '-c', 'migrate; node server.js'], 'refused', 'env in front'],
    [['env', '-i', 'HOME=/tmp', 'sh', '-c', 'node server.js'], 'refused', 'env with options and assignments'],
    [['busybox', 'sh', '-c', 'migrate; node server.js'], 'refused', 'busybox applet'],
    [['/bin/busybox', 'ash', '-c', 'node server.js >/tmp/log'], 'refused', 'busybox ash by path, with a redirection'],
    [['sh', '-c', 'exec >/dev/stdout 2>&1; node server.js'], 'refused', 'exec with only redirections'],
    [['sh', '-c', 'exec 3>&1 2> /tmp/err; node server.js'], 'refused', 'exec with only redirections, one with its target apart'],
    [['sh', '-c', 'if false; then exec node a.js; fi; node server.js'], 'refused', 'exec in a branch that is not the end'],
    [['sh', '-c', 'exec node server.js; echo unreachable'], 'refused', 'exec is not the last command'],
    [['sh', '-c', 'echo "exec node"; node server.js'], 'refused', 'exec inside a string'],
    [['bash', '-c', 'node server.js > /tmp/log'], 'refused', 'a redirection makes bash fork'],
    [['sh', '-c', 'node server.js'], 'refused', 'sh may be dash, which forks even a lone command'],
    [['busybox', 'sh', '-c', 'node server.js --port 80'], 'passes', 'busybox sh execs a lone simple command'],
    [['sh', '-c', 'cd /app && exec node server.js'], 'passes', 'exec last'],
    [['/usr/bin/env', 'sh', '-ec', 'set -u\nexec >/dev/stdout 2>&1\nexec "$@"', '--'], 'passes', 'redirecting exec, then a real one'],
    [['busybox', 'sh', '-c', 'exec /app/server'], 'passes', 'busybox sh with exec'],
    [['sh', '-c', 'if [ -n "$X" ]; then exec a; else exec b; fi'], 'passes', 'exec in the branches of a final if'],
    [['bash', '-c', 'node server.js --port 80'], 'passes', 'bash execs a lone simple command'],
    [['sh', '-c', "trap 'kill -TERM $pid' TERM; node server.js & pid=$!; wait $pid"], 'passes', 'trap TERM and wait'],
    [['sh', '-c', 'trap "kill -15 $child" SIGTERM INT\nnode server.js &\nchild=$!\nwait "$child"'], 'passes', 'trap SIGTERM and wait, on lines'],
    [['sh', '-c', "trap 'echo bye' EXIT; node server.js & wait"], 'refused', 'a trap that is not TERM'],
    [['node', 'server.js'], 'passes', 'exec form'],
    [['sh', 'script.sh'], 'passes', 'not -c: a script file is not read'],
  ])('%j %s (%s)', (argv, expected) => {
    expect(verdict(argv as string[])).toBe(expected);
  });

  // The one claim about shells that is not about `exec`: bash and busybox ash replace themselves with a lone simple
  // command (not with a redirection), dash does not. Checked on the real shells where installed: $$ is the shell's
  // pid, so /proc/$$/exe names the program only if the shell exec'd it.
  test.each([
    [['bash'], 'readlink /proc/$$/exe', true],
    [['bash'], 'readlink /proc/$$/exe >/dev/stdout', false],
    [['busybox', 'sh'], 'readlink /proc/$$/exe', true],
    [['dash'], 'readlink /proc/$$/exe', false],
  ])('%j -c %j: the shell replaced by the program is %s', (shell, script, replaced) => {
    const bin = [`/usr/bin/${shell[0]}`, `/bin/${shell[0]}`].find((p) => fs.existsSync(p));
    if (!bin || !fs.existsSync('/proc/self/exe')) return; // not installed here: nothing to compare with
    const r = spawnSync(bin, [...shell.slice(1), '-c', script], { encoding: 'utf8' });
    expect(r.stdout.trim().endsWith('/readlink')).toBe(replaced);
    expect(verdict([...shell, '-c', script])).toBe(replaced ? 'passes' : 'refused');
  });
});
