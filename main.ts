/**
 * The catalogue: every app, synthesised for one environment.
 * `npm run synth -- --help` lists the options.
 */
import { memcached } from './apps/memcached/app';
import { rocketchat } from './apps/rocketchat/app';
import { runSynthCli } from './lib/synth/cli';

runSynthCli([rocketchat, memcached]);
