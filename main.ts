/**
 * The catalogue (apps/catalogue.ts), synthesised for one of the project's environments (environments.ts).
 * `npm run synth -- --help` lists the options.
 */
import { catalogue } from './apps/catalogue';
import { environments } from './environments';
import { runSynthCli } from './lib/tooling/synth/cli';

void runSynthCli(catalogue, process.argv, environments);
