import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';

/**
 * Runs the real migration scripts against a stub API: a `curl` that answers from a route table and logs each call, and
 * a `sleep` that stops the script at its first pause (exit 143, from the script's TERM trap), so "still waiting" is a
 * result, not a timeout. Where busybox is installed (Debian's `busybox` package) the scripts run under busybox sh
 * with only busybox applets on PATH, as in the curl image (Alpine); otherwise under the system sh.
 */
const DIR = path.join(__dirname, '../../lib/workloads/migration');
const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));
const APPLETS = ['sh', 'cat', 'grep', 'sed', 'cut', 'tr', 'head', 'tail', 'expr', 'date', 'echo', 'kill', 'printf', '['];

interface Route {
  readonly method?: string;
  /** A part of the URL. */
  readonly url: string;
  readonly code: number;
  readonly body?: unknown;
}

function run(scriptName: string, routes: readonly Route[], env: Record<string, string>) {
  const dir = tempDir('migration');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  if (BUSYBOX) for (const a of APPLETS) fs.symlinkSync(BUSYBOX, path.join(bin, a));
  const script = fs.readFileSync(path.join(DIR, scriptName), 'utf8').replaceAll('/tmp/api.json', `${dir}/api.json`).replace('sa=/var/run/secrets/kubernetes.io/serviceaccount', `sa=${dir}`);
  fs.writeFileSync(path.join(dir, 'token'), 'token');
  fs.writeFileSync(path.join(dir, 'routes'), routes.map((r) => [r.method ?? 'GET', r.url, r.code, typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {})].join('|')).join('\n') + '\n');
  fs.writeFileSync(path.join(bin, 'curl'), [
    '#!/bin/sh',
    'method=GET; data=; out=/dev/null',
    'while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift ;; -X) method=$2; shift ;; --data) data=$2; shift ;; -w|-H|--max-time|--cacert) shift ;; -*) ;; *) url=$1 ;; esac; shift; done',
    `echo "$method $url $data" >> ${dir}/calls`,
    `while IFS='|' read -r m part code body; do`,
    '  case "$url" in *"$part"*) if [ "$m" = "$method" ]; then printf \'%s\' "$body" > "$out"; printf \'%s\' "$code"; exit 0; fi ;; esac',
    `done < ${dir}/routes`,
    "printf '000'; exit 7",
  ].join('\n') + '\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\nkill -TERM $PPID\n', { mode: 0o755 });
  const r = BUSYBOX
    ? spawnSync(BUSYBOX, ['sh', '-c', script], { env: { PATH: bin, ...env }, encoding: 'utf8', timeout: 10000 })
    : spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8', timeout: 10000 });
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).map((c) => c.trimEnd()) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

const WAITING = 143; // stopped by the stub sleep: the script was going to poll again

describe('wait-for-job.sh (the rollout gate in the service pods)', () => {
  const env = { JOB_NAME: 'api-migrate-1234abcd', NAMESPACE: 'shop', RECORD: 'api-migrations' };
  const record = (data: Record<string, string> = {}): Route => ({ url: '/configmaps/api-migrations?', code: 200, body: { kind: 'ConfigMap', metadata: { name: 'api-migrations' }, data } });
  const job = (code: number, conditions: object[] = []): Route => ({ url: '/jobs/api-migrate-1234abcd', code, body: code === 200 ? { kind: 'Job', status: { conditions } } : { kind: 'Status', code } });
  const patch: Route = { method: 'PATCH', url: '/configmaps/api-migrations', code: 200 };
  const gate = (...routes: Route[]) => run('wait-for-job.sh', routes, env);

  test('a completed Job opens the gate and is recorded in the ConfigMap', () => {
    const r = gate(record(), job(200, [{ type: 'Complete', status: 'True' }]), patch);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('migration api-migrate-1234abcd complete');
    const call = r.calls.find((c) => c.startsWith('PATCH '))!;
    expect(call).toMatch(/^PATCH https:\/\/kubernetes.default.svc\/api\/v1\/namespaces\/shop\/configmaps\/api-migrations \{"data":\{"api-migrate-1234abcd":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}\}$/);
  });

  test('a recorded success opens the gate after the Job is gone (pruned; an old release rescheduled; rollout undo)', () => {
    const r = gate(record({ 'api-migrate-00000000': '2026-01-01T00:00:00Z', 'api-migrate-1234abcd': '2026-01-02T00:00:00Z' }), job(404));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('succeeded earlier (recorded in api-migrations)');
    expect(r.calls.some((c) => c.includes('/jobs/'))).toBe(false);
  });

  test('a missing Job never opens the gate (apply order, refused, deleted to retry)', () => {
    const r = gate(record({ 'api-migrate-00000000': '2026-01-01T00:00:00Z' }), job(404));
    expect(r.status).toBe(WAITING);
    expect(r.stdout).toContain('migration api-migrate-1234abcd not found: not created yet, refused, or deleted; waiting');
  });

  test('a missing record ConfigMap and a missing Job wait too (GitOps order)', () => {
    const r = gate({ url: '/configmaps/', code: 404, body: {} }, job(404));
    expect(r.status).toBe(WAITING);
  });

  test('a running Job waits; a failed one waits and points at logs that exist', () => {
    expect(gate(record(), job(200, [])).status).toBe(WAITING);
    const r = gate(record(), job(200, [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }]));
    expect(r.status).toBe(WAITING);
    expect(r.stderr).toContain('migration api-migrate-1234abcd failed; the previous release keeps serving. Logs: kubectl -n shop logs -l job-name=api-migrate-1234abcd --all-containers --prefix');
    expect(r.calls.some((c) => c.startsWith('PATCH'))).toBe(false);
  });

  test('403 is a loud error, not a wait: on the Job and on the record', () => {
    const onJob = gate(record(), job(403));
    expect(onJob.status).toBe(1);
    expect(onJob.stderr).toContain('HTTP 403 on job api-migrate-1234abcd: the Role bound to this pod');
    const onRecord = gate({ url: '/configmaps/', code: 403, body: {} }, job(200, [{ type: 'Complete', status: 'True' }]));
    expect(onRecord.status).toBe(1);
    expect(onRecord.stderr).toContain('HTTP 403 on configmap api-migrations');
  });

  test('a complete Job whose record cannot be written still opens the gate, and says so', () => {
    const r = gate(record(), job(200, [{ type: 'Complete', status: 'True' }]), { ...patch, code: 404 });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('recording it in configmap api-migrations failed (HTTP 404)');
  });

  test('an unreachable API server waits', () => {
    expect(gate().status).toBe(WAITING);
  });
});

describe('wait-for-older.sh (serialises the migrations of one service)', () => {
  const env = { JOB_NAME: 'api-migrate-cccccccc', NAMESPACE: 'shop', INSTANCE: 'api-migrate' };
  const item = (name: string, created: string, conditions: object[] = []) => ({
    metadata: { name, namespace: 'shop', creationTimestamp: created, labels: { 'app.kubernetes.io/instance': 'api-migrate' } },
    spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'migrate', command: ['sh', '-c', 'migrate * && echo "done"'] }] } } },
    status: { conditions },
  });
  const self: Route = { url: '/jobs/api-migrate-cccccccc?', code: 200, body: item('api-migrate-cccccccc', '2026-11-22T06:00:00Z') };
  const list = (...items: object[]): Route => ({ url: '/jobs?', code: 200, body: { kind: 'JobList', apiVersion: 'batch/v1', metadata: { resourceVersion: '7' }, items } });
  const serialise = (...routes: Route[]) => run('wait-for-older.sh', routes, env);

  test('lists the unfinished migrations of this service through the label and the status.successful field selector', () => {
    const r = serialise(self, list(item('api-migrate-cccccccc', '2026-11-22T06:00:00Z')));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no older migration of api-migrate is running');
    expect(r.calls[1]).toBe('GET https://kubernetes.default.svc/apis/batch/v1/namespaces/shop/jobs?pretty=false&labelSelector=app.kubernetes.io%2Finstance%3Dapi-migrate&fieldSelector=status.successful%3D0');
  });

  test('waits while an older migration runs', () => {
    const r = serialise(self, list(item('api-migrate-aaaaaaaa', '2026-11-22T05:00:00Z'), item('api-migrate-cccccccc', '2026-11-22T06:00:00Z')));
    expect(r.status).toBe(WAITING);
    expect(r.stdout).toContain('waiting for older migrations to finish: api-migrate-aaaaaaaa');
  });

  test('an older migration created in the same second waits only if its name sorts first', () => {
    expect(serialise(self, list(item('api-migrate-bbbbbbbb', '2026-11-22T06:00:00Z'))).status).toBe(WAITING);
    expect(serialise(self, list(item('api-migrate-dddddddd', '2026-11-22T06:00:00Z'))).status).toBe(0);
  });

  test('a newer migration does not block an older one, so two waiting releases never deadlock', () => {
    const r = serialise(self, list(item('api-migrate-eeeeeeee', '2026-11-22T07:00:00Z')));
    expect(r.status).toBe(0);
  });

  test('an older failed migration does not block its fix', () => {
    const r = serialise(self, list(item('api-migrate-aaaaaaaa', '2026-11-22T05:00:00Z', [{ type: 'Failed', status: 'True' }])));
    expect(r.status).toBe(0);
  });

  test('403 is a loud error', () => {
    const r = serialise({ url: '/jobs/', code: 403, body: {} });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('HTTP 403 on job api-migrate-cccccccc: the Role bound to ServiceAccount api-migrate must let it get and list Jobs');
  });
});
