/**
 * Validation and the picture off the synth's critical path: a worker thread on the second core
 * (./helper-worker.ts) starts with the process (scripts/run.js) and loads Graphviz and the gate's validators while the
 * main thread loads and builds the constructs. Once it is warm, resolved objects are sent to it in batches as the main
 * thread resolves them; it checks each object (and writes its YAML) meanwhile, then runs the rules that relate objects when all have
 * arrived, while the main thread builds the graph; both write YAML, each taking objects the other has not
 * (./yaml-claims.ts); the helper also draws graph.svg. A small synth, done before a cold helper could help, validates
 * and writes YAML on the main thread. Only where the synth runs from the bundle of
 * scripts/run.js (`npm run synth`), which starts the worker's own bundle; anywhere else (tsx, jest)
 * `SynthHelper.start()` returns undefined and the synth runs in process. SHIPSHAPE_PARALLEL=off turns it off;
 * SHIPSHAPE_PARALLEL=always hands every synth to the helper, cold or not (the tests use it).
 */
import { Worker } from 'worker_threads';
import type { ManifestRecord } from '../manifest/manifest';
import { validateManifests, ValidationOptions, ValidationResult } from '../validation';
import type { KubernetesVersion } from '../validation/schema';
import { StageClock } from './stages';
import { buildRecords, checkOutdir, MAX_DRAWN_NODES, rejectFindings, renderGraph, SynthOptions, SynthResult, withIndexAndGraph } from './synthesize';
import { renderFiles, writeAtomically } from './write';
import { keptPicture } from '../graph/svg-cache';
import { ClaimedBatch, newClaims, newProgress, sentAll, sentBatch, takeFromTheEnd } from './yaml-claims';

export type HelperRequest =
  | { readonly type: 'configure'; readonly versions?: readonly KubernetesVersion[]; readonly warm: Int32Array }
  | { readonly type: 'begin'; readonly options: ValidationOptions; readonly progress: Int32Array }
  | { readonly type: 'objects'; readonly records: readonly ManifestRecord[]; readonly claims: Int32Array }
  | { readonly id: number; readonly type: 'finish'; readonly order: readonly number[] }
  | { readonly id: number; readonly type: 'svg'; readonly dot: string };
export type HelperReply = { readonly id: number; readonly value?: any; readonly error?: string };

/** The gate's verdict, and the YAML the helper wrote (by the objects' numbers in the order sent; see ./yaml-claims.ts). */
export interface CheckedOutput {
  readonly validation: ValidationResult;
  readonly yaml: ReadonlyMap<number, string>;
}

/** Set by scripts/run.js: the runner of a .ts entry from its cached bundle, which starts the helper's thread. */
const RUNNER = Symbol.for('shipshape.runner');
interface Runner {
  startHelper(): Worker;
  /** The helper's thread, started by the runner before the synth's bundle loaded. */
  prestarted?: Worker;
}

export class SynthHelper {
  /**
   * The helper, or undefined where no bundle runner is available; it warms the validators of `versions`.
   * @param versions the schema versions the synth checks (default: every bundled one)
   */
  public static start(versions?: readonly KubernetesVersion[]): SynthHelper | undefined {
    const runner = (globalThis as Record<symbol, Runner | undefined>)[RUNNER];
    if (!runner?.startHelper || process.env.SHIPSHAPE_PARALLEL === 'off') return undefined;
    const worker = runner.prestarted ?? runner.startHelper();
    runner.prestarted = undefined;
    // Shared memory, not a message: the main thread asks while it resolves objects, without yielding to its event loop.
    const warm = new Int32Array(new SharedArrayBuffer(4));
    const configure: HelperRequest = { type: 'configure', versions, warm };
    worker.postMessage(configure);
    return new SynthHelper(worker, warm);
  }

  private next = 0;
  /** Whether the worker has loaded Graphviz and the common validators (it sets the shared flag once). */
  public get warm(): boolean {
    return Atomics.load(this.warmFlag, 0) === 1;
  }

  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private failure?: Error;
  /** False once the thread has stopped or failed (watch mode then starts another). */
  public get alive(): boolean {
    return this.failure === undefined;
  }

  private constructor(
    private readonly worker: Worker,
    private readonly warmFlag: Int32Array,
  ) {
    worker.on('message', (reply: HelperReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p?.reject(new Error(reply.error));
      else p?.resolve(reply.value);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the synth helper thread stopped (exit ${code})`)));
    worker.unref();
  }

  /** Starts a synth's objects: each `add` sends resolved objects, numbered in the order sent (see ./yaml-claims.ts). */
  public begin(options: ValidationOptions, progress: Int32Array): void {
    this.post({ type: 'begin', options, progress });
  }

  /** Sends objects to check; the helper writes the YAML of those whose `claims` it takes. */
  public add(records: readonly ManifestRecord[], claims: Int32Array): void {
    this.post({ type: 'objects', records, claims });
  }

  /** The verdict on the objects sent since `begin`, in output order (`order`: their numbers), and the YAML it wrote. */
  public finish(order: readonly number[]): Promise<CheckedOutput> {
    return this.ask({ id: this.next++, type: 'finish', order });
  }

  public renderSvg(dot: string): Promise<string> {
    return this.ask({ id: this.next++, type: 'svg', dot });
  }

  public async close(): Promise<void> {
    await this.worker.terminate();
  }

  private post(request: HelperRequest): void {
    if (!this.failure) this.worker.postMessage(request);
  }

  private ask<T>(request: Extract<HelperRequest, { id: number }>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.worker.ref(); // keep the process alive while an answer is due
      this.worker.postMessage(request);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }
}

/**
 * `synthesize`, with the gate, part of the YAML and the picture on the helper thread when it is warm (or
 * SHIPSHAPE_PARALLEL=always): the same stages, verdict and bytes, and nothing is written unless the gate passed.
 */
export async function synthesizeWithHelper(options: SynthOptions, helper: SynthHelper): Promise<SynthResult> {
  const clock = new StageClock();
  checkOutdir(options.outdir);
  const gateOptions: ValidationOptions = { requireSpread: options.env.highAvailability, minKubernetesVersion: options.env.config.minKubernetesVersion };
  const numbers = new Map<ManifestRecord, number>();
  const batches: ClaimedBatch[] = [];
  const progress = newProgress();
  let held: ManifestRecord[] | undefined = []; // resolved while the helper was cold; undefined once handed over
  const handOver = (batch: readonly ManifestRecord[]) => {
    if (held && (helper.warm || process.env.SHIPSHAPE_PARALLEL === 'always')) {
      helper.begin(gateOptions, progress);
      send(held);
      held = undefined;
    }
    if (held) held.push(...batch);
    else send(batch);
  };
  const send = (batch: readonly ManifestRecord[]) => {
    for (const r of batch) numbers.set(r, numbers.size);
    if (batch.length === 0) return;
    const claims = newClaims(batch.length);
    batches.push({ records: batch, claims });
    sentBatch(progress);
    helper.add(batch, claims);
  };
  const { records, warnings } = buildRecords(options, clock, handOver);
  handOver([]); // the helper may have become warm since the last batch
  sentAll(progress);
  const checked = held ? undefined : helper.finish(records.map((r) => numbers.get(r)!));
  checked?.catch(() => undefined); // awaited below
  const { graph, dot } = renderGraph(options, records, clock);
  const draw = graph.nodes.length <= MAX_DRAWN_NODES;
  const picture = draw ? keptPicture(dot, (d) => helper.renderSvg(d)) : undefined;
  if (picture instanceof Promise) picture.catch(() => undefined); // awaited below
  let yaml: Map<string, string>;
  let validation: ValidationResult;
  if (checked) {
    const taken = clock.time('yaml', () => takeFromTheEnd(batches));
    const output = await clock.timeAsync('waiting for the gate', () => checked);
    validation = output.validation;
    rejectFindings(validation);
    yaml = clock.time('yaml', () => renderFiles(records, (r) => taken.get(r) ?? output.yaml.get(numbers.get(r)!)!));
  } else {
    validation = clock.time('validation', () => validateManifests(records, gateOptions));
    rejectFindings(validation);
    yaml = clock.time('yaml', () => renderFiles(records));
  }
  const files = withIndexAndGraph(yaml, dot);
  if (typeof picture === 'string') files.set('graph.svg', picture);
  else if (picture) files.set('graph.svg', await clock.timeAsync('waiting for the picture', () => picture));
  const dropped = options.outdir ? clock.time('write', () => writeAtomically(options.outdir!, files)) : [];
  return { records, files, validation, graph: { nodes: graph.nodes.length, drawn: draw }, warnings, stages: clock.times, dropped };
}
