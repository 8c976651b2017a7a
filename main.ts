/**
 * The catalogue (apps/catalogue.ts), synthesised for one environment.
 * `npm run synth -- --help` lists the options.
 */
import { catalogue } from './apps/catalogue';
import { runSynthCli } from './lib/tooling/synth/cli';

void runSynthCli(catalogue);
