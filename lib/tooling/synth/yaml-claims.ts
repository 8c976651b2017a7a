/**
 * Who writes each object's YAML, decided object by object while both threads run, so that neither waits for the
 * other: the helper writes YAML whenever it has nothing else to do (it has checked every object sent so far and more
 * are still coming), and after the rules that relate objects; the main thread takes objects from the last one
 * backwards once its own share (the graph) is done. Each batch sent carries a shared array of claims, and a claim is
 * one compare-and-swap, so each object is written exactly once, by whichever thread gets to it first. With the YAML on
 * the helper alone the main thread waited for it at 1,000 services; on the main thread alone it waited the other way
 * for a small synth such as a watch round.
 */
import type { ManifestRecord } from '../manifest/manifest';
import { toYaml } from './write';

const FREE = 0;
export const HELPER = 1;
const MAIN = 2;

/** Claims for a batch of `count` objects, in memory both threads see. */
export function newClaims(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Math.max(count, 1)));
}

/** Whether `who` got object `i` of the batch (false if the other thread had it). */
export function claim(claims: Int32Array, i: number, who: number): boolean {
  return Atomics.compareExchange(claims, i, FREE, who) === FREE;
}

/** A batch of objects and their claims. */
export interface ClaimedBatch {
  readonly records: readonly ManifestRecord[];
  readonly claims: Int32Array;
}

/** What the main thread has sent, in memory both threads see: [0] the batches sent, [1] 1 once all are. */
export function newProgress(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

export function sentBatch(progress: Int32Array): void {
  Atomics.add(progress, 0, 1);
}

export function sentAll(progress: Int32Array): void {
  Atomics.store(progress, 1, 1);
}

/** Whether the helper, having received `received` batches, has nothing else to do now: more will come, none waits. */
export function idleWhileSending(progress: Int32Array, received: number): boolean {
  return Atomics.load(progress, 1) === 0 && Atomics.load(progress, 0) === received;
}

/** Writes the YAML of every object of `batch` that `who` can claim, into `out` under `number(i)`. */
export function writeClaimed<K>(batch: ClaimedBatch, who: number, out: Map<K, string>, key: (i: number) => K): void {
  for (let i = 0; i < batch.records.length; i++) if (claim(batch.claims, i, who)) out.set(key(i), toYaml(batch.records[i].manifest));
}

/** The main thread's share: the YAML of every object still free, the last one first. */
export function takeFromTheEnd(batches: readonly ClaimedBatch[]): Map<ManifestRecord, string> {
  const taken = new Map<ManifestRecord, string>();
  for (let b = batches.length - 1; b >= 0; b--) {
    const { records, claims } = batches[b];
    for (let i = records.length - 1; i >= 0; i--) if (claim(claims, i, MAIN)) taken.set(records[i], toYaml(records[i].manifest));
  }
  return taken;
}
