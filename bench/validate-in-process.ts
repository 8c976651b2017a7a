/**
 * What validation adds to a synth: the catalogue's manifests are built once,
 * then validated as the synth does, in a fresh process (cold: schema cache on
 * disk, nothing compiled in memory). Prints milliseconds.
 */
import { Environment } from '../lib/building-blocks/environment';
import { collectManifests } from '../lib/tooling/synth/collect';
import { buildApps } from '../lib/tooling/synth/synthesize';
import { validateManifests } from '../lib/tooling/validation';
import { catalogue } from '../apps/catalogue';

const records = collectManifests(buildApps(Environment.LOCAL, catalogue));
const started = process.hrtime.bigint();
validateManifests(records, { requireSpread: false });
console.log(Number(process.hrtime.bigint() - started) / 1e6);
