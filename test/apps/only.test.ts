/**
 * An app's file does not depend on what else is synthesised: for every app of the catalogue and every environment,
 * `dist/<app>.yaml` from `--only <app>` is byte-identical to the same file from the whole catalogue (issue 16, item 11).
 * Runs the synth CLI itself (runSynthCli, what main.ts runs), writing real folders.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogue } from '../../apps/catalogue';
import { Environment } from '../../lib/building-blocks/environment';
import { runSynthCli } from '../../lib/tooling/synth/cli';
import { secretNamesFor, tempDir } from '../helpers';

// Every production Secret the catalogue asks for, an app added with `npm run new` included.
const SECRETS = secretNamesFor(catalogue, Environment.PRODUCTION);

async function synth(outdir: string, ...args: string[]): Promise<void> {
  const errors: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = jest.spyOn(console, 'error').mockImplementation((s) => void errors.push(String(s)));
  Object.assign(process.env, SECRETS);
  process.exitCode = undefined;
  try {
    await runSynthCli(catalogue, ['node', 'main.ts', '--outdir', outdir, '--quiet', ...args]);
    if ((process.exitCode ?? 0) !== 0) throw new Error(`synth ${args.join(' ')} failed:\n${errors.join('\n')}`);
  } finally {
    for (const name of Object.keys(SECRETS)) delete process.env[name];
    process.exitCode = undefined;
    log.mockRestore();
    error.mockRestore();
  }
}

const yamlFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe.each(Environment.all().map((e) => [e.name]))('--only <app> writes the same bytes as the whole catalogue (env %s)', (env) => {
  const root = tempDir(`only-${env}`);
  const whole = path.join(root, 'all');

  beforeAll(() => synth(whole, '--env', env), 120_000);

  test.each(catalogue.map((a) => [a.name]))('%s', async (app) => {
    const only = path.join(root, app);
    await synth(only, '--env', env, '--only', app);
    const files = yamlFiles(only);
    expect(files).toContain(`${app}.yaml`);
    for (const file of files) {
      const a = fs.readFileSync(path.join(only, file));
      const b = fs.readFileSync(path.join(whole, file));
      if (!a.equals(b)) throw new Error(`${file} from --only ${app} differs from the whole catalogue's (env ${env})`);
    }
  }, 120_000);
});
