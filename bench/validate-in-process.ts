/**
 * What validation adds to a synth: the catalogue's manifests are built once,
 * then validated as the synth does, in a fresh process (cold: schema cache on
 * disk, nothing compiled in memory). Prints milliseconds.
 */
import { Environment } from '../lib/environment';
import { collectManifests } from '../lib/synth/collect';
import { buildApps } from '../lib/synth/synthesize';
import { validateManifests } from '../lib/validation';
import { kafka } from '../apps/kafka/app';
import { logging } from '../apps/logging/app';
import { memcached } from '../apps/memcached/app';
import { orders } from '../apps/orders/app';
import { rocketchat } from '../apps/rocketchat/app';

const catalogue = [rocketchat, memcached, kafka, orders, logging];

const records = collectManifests(buildApps(Environment.LOCAL, catalogue));
const started = process.hrtime.bigint();
validateManifests(records, { requireSpread: false });
console.log(Number(process.hrtime.bigint() - started) / 1e6);
