/**
 * Every app of the catalogue, in the order they are listed. `npm run new`
 * registers a scaffolded app here; main.ts and the benchmark read this list.
 */
import { AppDefinition } from '../lib/building-blocks/app-definition';
import { kafka } from './kafka/app';
import { logging } from './logging/app';
import { memcached } from './memcached/app';
import { orders } from './orders/app';
import { rocketchat } from './rocketchat/app';

export const catalogue: readonly AppDefinition[] = [rocketchat, memcached, kafka, orders, logging];
