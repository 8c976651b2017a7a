/**
 * The YAML of a helped synth is split object by object between the two threads (lib/tooling/synth/yaml-claims.ts):
 * every object must be written exactly once, whoever gets to it first, and the files must be those of one thread.
 */
import { Worker } from 'worker_threads';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';
import { renderFiles, toYaml } from '../../lib/tooling/synth/write';
import { ClaimedBatch, claim, HELPER, idleWhileSending, newClaims, newProgress, sentAll, sentBatch, takeFromTheEnd, writeClaimed } from '../../lib/tooling/synth/yaml-claims';

function batchesOf(count: number, size: number): ClaimedBatch[] {
  const records: ManifestRecord[] = Array.from({ length: count }, (_, i) => ({
    manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'n' }, data: { index: String(i), on: 'yes' } } as any,
    file: `app${i % 3}.yaml`,
    constructPath: `app/c${i}`,
    app: `app${i % 3}`,
  }));
  const batches: ClaimedBatch[] = [];
  for (let i = 0; i < count; i += size) batches.push({ records: records.slice(i, i + size), claims: newClaims(Math.min(size, count - i)) });
  return batches;
}

describe('the YAML split between the threads', () => {
  test('whatever the helper took, the main thread takes the rest, and the files are those written by one thread', () => {
    const batches = batchesOf(53, 10);
    const records = batches.flatMap((b) => b.records);
    // The helper got some batches whole, one in part, none of the rest (as when it wrote while idle, then stopped).
    const helper = new Map<number, string>();
    writeClaimed(batches[0], HELPER, helper, (i) => i);
    writeClaimed(batches[2], HELPER, helper, (i) => 20 + i);
    for (const i of [1, 4, 7]) if (claim(batches[3].claims, i, HELPER)) helper.set(30 + i, toYaml(batches[3].records[i].manifest));
    const main = takeFromTheEnd(batches);
    expect(helper.size + main.size).toBe(records.length);
    expect(main.size).toBe(records.length - 23);
    // Nothing is left, and nothing is taken twice.
    expect(takeFromTheEnd(batches).size).toBe(0);
    const again = new Map<number, string>();
    for (const b of batches) writeClaimed(b, HELPER, again, (i) => i);
    expect(again.size).toBe(0);
    const number = new Map(records.map((r, i) => [r, i]));
    expect(renderFiles(records, (r) => main.get(r) ?? helper.get(number.get(r)!)!)).toEqual(renderFiles(records));
  });

  test('the helper writes only while more batches are coming and none waits', () => {
    const progress = newProgress();
    sentBatch(progress);
    sentBatch(progress);
    expect(idleWhileSending(progress, 1)).toBe(false); // one more waits
    expect(idleWhileSending(progress, 2)).toBe(true);
    sentAll(progress);
    expect(idleWhileSending(progress, 2)).toBe(false); // all sent: the rules that relate objects come first
  });

  test('two threads racing over the same claims write each object exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const claims = newClaims(200_000);
      const worker = new Worker(
        `const { parentPort, workerData } = require('worker_threads');
         let won = 0;
         for (let i = 0; i < workerData.length; i++) if (Atomics.compareExchange(workerData, i, 0, ${HELPER}) === 0) won++;
         parentPort.postMessage(won);`,
        { eval: true, workerData: claims },
      );
      const helperWon = new Promise<number>((resolve) => worker.once('message', resolve));
      let mainWon = 0;
      for (let i = claims.length - 1; i >= 0; i--) if (claim(claims, i, 2)) mainWon++;
      expect(mainWon + (await helperWon)).toBe(claims.length);
      expect(claims.every((c) => c === HELPER || c === 2)).toBe(true);
      await worker.terminate();
    }
  });
});
