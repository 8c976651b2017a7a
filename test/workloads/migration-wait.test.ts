import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';

const SCRIPT = path.join(__dirname, '../../lib/workloads/migration/wait-for-job.sh');

/** Runs the real wait script with a stub curl that answers `code` with `body`. */
function wait(code: number, body: string) {
  const dir = tempDir('wait');
  const script = fs.readFileSync(SCRIPT, 'utf8').replaceAll('/tmp/job.json', `${dir}/job.json`).replace('sa=/var/run/secrets/kubernetes.io/serviceaccount', `sa=${dir}`);
  fs.writeFileSync(path.join(dir, 'token'), 'token');
  fs.writeFileSync(path.join(dir, 'curl'), `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done\nprintf '%s' '${body}' > "$out"\nprintf ${code}\n`, { mode: 0o755 });
  return spawnSync('sh', ['-c', script], { env: { PATH: `${dir}:${process.env.PATH}`, JOB_NAME: 'api-migrate-1234abcd', NAMESPACE: 'shop' }, encoding: 'utf8', timeout: 3000 });
}

describe('wait-for-job.sh', () => {
  test('a completed Job lets the pod start', () => {
    const r = wait(200, '{"status":{"conditions":[{"type":"Complete","status":"True"}]}}');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('migration api-migrate-1234abcd complete');
  });

  test('a Job removed after its TTL counts as done', () => {
    const r = wait(404, '{}');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('is gone after its TTL');
  });

  test('a failed Job keeps the pod waiting and says where to look', () => {
    const r = wait(200, '{"status":{"conditions":[{"type":"Failed","status":"True"}]}}');
    expect(r.status).not.toBe(0); // killed by the timeout: still waiting
    expect(r.stderr).toContain('migration api-migrate-1234abcd failed: see kubectl -n shop logs job/api-migrate-1234abcd');
  });
});
