/**
 * The backup, upload and restore scripts as synthesised, run with stub mongodump, aws and mongorestore (as the Kafka
 * tests stub their binaries), and the objects around them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { MongoBackup, MongoBackupOptions } from '../../../lib/workloads/mongodb/mongo-backup';
import { MongoReplicaSet } from '../../../lib/workloads/mongodb/mongo-replica-set';
import { find, findAll, findingsOf, synthChart, tempDir } from '../../helpers';

function synth(options: MongoBackupOptions = {}, env = Environment.LOCAL) {
  return synthChart((c) => {
    const rs = new MongoReplicaSet(c, 'db', { users: [{ username: 'app', database: 'app' }], credentials: env === Environment.LOCAL ? undefined : SecretSource.existing('db-credentials') });
    new MongoBackup(c, 'backup', { ...options, replicaSet: rs });
  }, env);
}

const records = synth();
const script = (name: string) => find(records, 'ConfigMap', 'db-backup-scripts').data[name] as string;

/** Runs a script with stub binaries that record their argv (and a config file's content) and exit `code`. */
function run(name: string, shell: string, env: Record<string, string>, stubs: Record<string, number>, before: (backupDir: string) => void = () => {}) {
  const dir = tempDir('backup');
  const bin = path.join(dir, 'bin');
  const backup = path.join(dir, 'backup');
  fs.mkdirSync(bin);
  fs.mkdirSync(backup);
  before(backup);
  for (const [stub, code] of Object.entries(stubs)) {
    // The stub records its arguments, copies the config file it was given, and writes the --archive target if any.
    fs.writeFileSync(path.join(bin, stub), `#!/bin/sh
printf '%s\\n' "$@" > ${dir}/${stub}.args
for a in "$@"; do case "$a" in --config=*) cp "\${a#--config=}" ${dir}/${stub}.config ;; --archive=*.partial) echo dump > "\${a#--archive=}" ;; esac; done
prev=""; for a in "$@"; do if [ "$prev" = "--config" ]; then cp "$a" ${dir}/${stub}.config; fi; prev="$a"; done
exit ${code}
`, { mode: 0o755 });
  }
  const text = script(name).replaceAll('/tmp/', `${dir}/`);
  const r = spawnSync(shell, [...(shell === 'bash' ? ['--norc', '--noprofile'] : []), '-c', text], { env: { PATH: `${bin}:${process.env.PATH}`, BACKUP_DIR: backup, ...env }, encoding: 'utf8' });
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, backup, args: (stub: string) => read(`${stub}.args`)?.trim().split('\n'), config: (stub: string) => read(`${stub}.config`) };
}

const dumpEnv = (env: Record<string, string>) => ({ BACKUP_PREFIX: 'rs0-', KEEP_MINUTES: '2880', MONGODB_URI: 'mongodb://backup@h0,h1/?replicaSet=rs0&authSource=admin', MONGODB_BACKUP_PASSWORD: "it's-secret", ...env });

describe('MongoBackup', () => {
  test('the dump is consistent (--oplog), as the backup user, with the password in a YAML config that survives quotes', () => {
    const r = run('backup.sh', 'bash', dumpEnv({}), { mongodump: 0 });
    expect(r.status).toBe(0);
    const args = r.args('mongodump')!;
    expect(args).toEqual(expect.arrayContaining(['--oplog', '--gzip', '--uri=mongodb://backup@h0,h1/?replicaSet=rs0&authSource=admin']));
    expect(args.join(' ')).not.toContain('secret');
    expect(r.config('mongodump')).toBe("password: 'it''s-secret'\n");
    const files = fs.readdirSync(r.backup);
    const dump = files.find((f) => /^rs0-\d{8}T\d{6}Z\.archive\.gz$/.test(f));
    expect(dump).toBeDefined();
    expect(files.some((f) => f.endsWith('.partial'))).toBe(false);
    expect(fs.readFileSync(path.join(r.backup, 'latest'), 'utf8')).toBe(`${dump}\n`);
  });

  test('a failed dump leaves no .partial and deletes no older dump', () => {
    const old = 'rs0-20200101T020000Z.archive.gz';
    const oldDump = (dir: string) => {
      fs.writeFileSync(path.join(dir, old), 'old');
      fs.utimesSync(path.join(dir, old), new Date('2020-01-01'), new Date('2020-01-01'));
    };
    const failed = run('backup.sh', 'bash', dumpEnv({}), { mongodump: 3 }, oldDump);
    expect(failed.status).toBe(3);
    expect(fs.readdirSync(failed.backup)).toEqual([old]);
    // The same old dump is deleted after a successful run, being older than KEEP_MINUTES.
    const ok = run('backup.sh', 'bash', dumpEnv({}), { mongodump: 0 }, oldDump);
    expect(ok.status).toBe(0);
    expect(fs.readdirSync(ok.backup)).not.toContain(old);
  });

  test('the rendered CronJob dumps as backup, never root', () => {
    const cron = find(records, 'CronJob', 'db-backup');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/scripts/backup.sh']);
    expect(c.env.find((e: any) => e.name === 'MONGODB_BACKUP_PASSWORD').valueFrom.secretKeyRef.key).toBe('mongodb-password-backup');
    expect(c.env.find((e: any) => e.name === 'MONGODB_URI').value).toMatch(/^mongodb:\/\/backup@db-0\.db-headless\.test\.svc\.cluster\.local:27017\/\?replicaSet=rs0&authSource=admin&readPreference=secondaryPreferred$/);
    expect(JSON.stringify(cron)).not.toContain('mongodb-root-password');
  });

  describe('offsite copy', () => {
    const offsite = { endpoint: 'https://s3.eu-central-1.amazonaws.com', bucket: 'chat-backups', region: 'eu-central-1', prefix: 'rocketchat/', credentials: SecretSource.existing('backup-s3') };
    const prod = synth({ offsite }, Environment.PRODUCTION);

    test('upload.sh copies the newest dump under the prefix with aws s3 cp (in parts when large), path-style, keys from the environment only', () => {
      const bin = tempDir('upload-bin');
      const backup = tempDir('upload-dir');
      fs.writeFileSync(path.join(backup, 'latest'), 'rs0-20261122T020000Z.archive.gz\n');
      fs.writeFileSync(path.join(backup, 'rs0-20261122T020000Z.archive.gz'), 'dump');
      // The stub records its arguments, the config file it is pointed at, and whether the keys reached it.
      fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${bin}/args\ncp "$AWS_CONFIG_FILE" ${bin}/config\necho "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" > ${bin}/keys\n`, { mode: 0o755 });
      const text = script('upload.sh').replaceAll('/tmp/', `${bin}/`);
      const env = { PATH: `${bin}:${process.env.PATH}`, BACKUP_DIR: backup, S3_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com/', S3_BUCKET: 'chat-backups', S3_PREFIX: 'rocketchat/', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET' };
      const r = spawnSync('sh', ['-c', text], { env, encoding: 'utf8' });
      expect(r.status).toBe(0);
      const args = fs.readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n');
      expect(args).toEqual(['s3', 'cp', '--only-show-errors', '--no-progress', '--endpoint-url', 'https://s3.eu-central-1.amazonaws.com/', `${backup}/rs0-20261122T020000Z.archive.gz`, 's3://chat-backups/rocketchat/rs0-20261122T020000Z.archive.gz']);
      expect(fs.readFileSync(path.join(bin, 'keys'), 'utf8')).toBe('AKID:SECRET\n');
      expect(fs.readFileSync(path.join(bin, 'config'), 'utf8')).toBe('[default]\ns3 =\n  addressing_style = path\n');
      // aws fails (S3 unreachable): so does the upload, and so the Job.
      fs.writeFileSync(path.join(bin, 'aws'), '#!/bin/sh\nexit 254\n', { mode: 0o755 });
      expect(spawnSync('sh', ['-c', text], { env, encoding: 'utf8' }).status).toBe(254);
    });

    test('a retry of the same Job (the copy failed) does not dump again; the next Job does', () => {
      const earlier = (dir: string) => {
        fs.writeFileSync(path.join(dir, 'rs0-20261122T020000Z.archive.gz'), 'dump');
        fs.writeFileSync(path.join(dir, 'latest'), 'rs0-20261122T020000Z.archive.gz\n');
        fs.writeFileSync(path.join(dir, 'latest.job'), 'db-backup-29400000\n');
      };
      const retry = run('backup.sh', 'bash', dumpEnv({ JOB_NAME: 'db-backup-29400000' }), { mongodump: 0 }, earlier);
      expect(retry.status).toBe(0);
      expect(retry.args('mongodump')).toBeUndefined();
      expect(retry.stdout).toContain('this Job (db-backup-29400000) wrote');
      expect(fs.readdirSync(retry.backup).filter((f) => f.endsWith('.archive.gz'))).toEqual(['rs0-20261122T020000Z.archive.gz']);
      const next = run('backup.sh', 'bash', dumpEnv({ JOB_NAME: 'db-backup-29401440' }), { mongodump: 0 }, earlier);
      expect(next.status).toBe(0);
      expect(next.args('mongodump')).toBeDefined();
      expect(fs.readFileSync(path.join(next.backup, 'latest.job'), 'utf8')).toBe('db-backup-29401440\n');
      expect(fs.readFileSync(path.join(next.backup, 'latest'), 'utf8')).not.toBe('rs0-20261122T020000Z.archive.gz\n');
    });

    test('rendered: the dump is an init container, the upload the main one, egress to the internet on 443 only', () => {
      const pod = find(prod, 'CronJob', 'db-backup').spec.jobTemplate.spec.template.spec;
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(['mongodump']);
      expect(pod.containers.map((c: any) => [c.name, c.image, c.command])).toEqual([['upload', 'amazon/aws-cli:2.37.5', ['sh', '/scripts/upload.sh']]]);
      const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({ AWS_DEFAULT_REGION: 'eu-central-1', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', HOME: '/tmp' });
      expect(env.AWS_SECRET_ACCESS_KEY.secretKeyRef).toEqual({ name: 'backup-s3', key: 's3-secret-access-key' });
      expect(pod.initContainers[0].env.find((e: any) => e.name === 'JOB_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['job-name']" } });
      const egress = find(prod, 'NetworkPolicy', 'db-backup').spec.egress.filter((r: any) => r.to.some((t: any) => t.ipBlock));
      expect(egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...Environment.PRODUCTION.config.clusterCidrs] } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
      expect(findingsOf(prod, Environment.PRODUCTION)).toEqual([]);
    });

    test('a bad endpoint is refused with the fix', () => {
      expect(() => synth({ offsite: { ...offsite, endpoint: 's3.amazonaws.com/bucket' } }, Environment.PRODUCTION)).toThrow(
        "offsite.endpoint 's3.amazonaws.com/bucket' must be a URL without a path, e.g. https://s3.eu-central-1.amazonaws.com",
      );
    });
  });

  describe('restore', () => {
    const restoreEnv = (archive: string) => ({ RESTORE_ARCHIVE: archive, MONGODB_URI: 'mongodb://root@h0/?replicaSet=rs0&authSource=admin', MONGODB_ROOT_PASSWORD: 'root-pw' });

    test('restore.sh replays one finished dump with --oplogReplay --drop, password in a config file', () => {
      const bin = tempDir('restore-bin');
      const backup = tempDir('restore-dir');
      fs.writeFileSync(path.join(backup, 'rs0-20261122T020000Z.archive.gz'), 'dump');
      fs.writeFileSync(path.join(bin, 'mongorestore'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${bin}/args\nfor a in "$@"; do case "$a" in --config=*) cp "\${a#--config=}" ${bin}/config ;; esac; done\n`, { mode: 0o755 });
      const exec = (archive: string) => spawnSync('bash', ['--norc', '--noprofile', '-c', script('restore.sh').replaceAll('/tmp/', `${bin}/`)], { env: { PATH: `${bin}:${process.env.PATH}`, BACKUP_DIR: backup, ...restoreEnv(archive) }, encoding: 'utf8' });
      expect(exec('rs0-20261122T020000Z.archive.gz').status).toBe(0);
      const args = fs.readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n');
      expect(args).toEqual(['--config=' + path.join(bin, 'mongorestore.yaml'), '--uri=mongodb://root@h0/?replicaSet=rs0&authSource=admin', '--gzip', `--archive=${backup}/rs0-20261122T020000Z.archive.gz`, '--oplogReplay', '--drop']);
      expect(fs.readFileSync(path.join(bin, 'config'), 'utf8')).toBe("password: 'root-pw'\n");
      const partial = exec('rs0-20261122T030000Z.archive.gz.partial');
      expect([partial.status, partial.stderr.trim()]).toEqual([64, `restore: 'rs0-20261122T030000Z.archive.gz.partial' must be the name of a finished dump in ${backup}`]);
      expect(exec('../etc/passwd').status).toBe(64);
      const missing = exec('rs0-19990101T000000Z.archive.gz');
      expect(missing.status).toBe(66);
      expect(missing.stderr).toContain('rs0-20261122T020000Z.archive.gz');
    });

    test('rendered: one Job, no retries, the backup volume read-only, as root', () => {
      const withRestore = synth({ restore: 'rs0-20261122T020000Z.archive.gz' });
      const jobs = findAll(withRestore, 'Job').filter((j: any) => j.metadata.name.startsWith('db-backup-restore-'));
      expect(jobs).toHaveLength(1);
      expect(jobs[0].spec.backoffLimit).toBe(0);
      const c = jobs[0].spec.template.spec.containers[0];
      expect(c.env.find((e: any) => e.name === 'RESTORE_ARCHIVE').value).toBe('rs0-20261122T020000Z.archive.gz');
      expect(c.volumeMounts.find((m: any) => m.name === 'backup').readOnly).toBe(true);
      expect(findingsOf(withRestore)).toEqual([]);
      expect(findAll(records, 'Job').some((j: any) => j.metadata.name.startsWith('db-backup-restore-'))).toBe(false);
    });
  });
});
