/**
 * The catalogue: every app, synthesised for one environment.
 * `npm run synth -- --help` lists the options.
 */
import { kafka } from './apps/kafka/app';
import { logging } from './apps/logging/app';
import { memcached } from './apps/memcached/app';
import { orders } from './apps/orders/app';
import { rocketchat } from './apps/rocketchat/app';
import { runSynthCli } from './lib/synth/cli';

runSynthCli([rocketchat, memcached, kafka, orders, logging]);
