/**
 * Validation and the picture off the synth's critical path: a worker thread on the second core (./helper-worker.ts)
 * warms up while the main thread builds the constructs, draws graph.svg, and validates the records while the main
 * thread writes YAML when there are many of them (or it is warm already, as in watch mode); a few hundred objects are
 * validated sooner on the main thread than a cold worker could start (`npm run bench`: N=10 went from 0.6 to 0.4 s).
 * Only where the synth runs from the bundle of scripts/run.js (`npm run synth`), which can start the
 * worker's own bundle; anywhere else (tsx, jest) `SynthHelper.start()` returns undefined and the synth runs in
 * process. SHIPSHAPE_PARALLEL=off turns it off.
 */
import { Worker } from 'worker_threads';
import type { ManifestRecord } from '../manifest/manifest';
import { validateManifests, ValidationOptions, ValidationResult } from '../validation';
import type { KubernetesVersion } from '../validation/schema';
import { StageClock } from './stages';
import { buildRecords, checkOutdir, MAX_DRAWN_NODES, rejectFindings, renderOutput, SynthOptions, SynthResult } from './synthesize';
import { writeAtomically } from './write';

export type HelperRequest =
  | { readonly id: number; readonly type: 'validate'; readonly records: readonly ManifestRecord[]; readonly options: ValidationOptions }
  | { readonly id: number; readonly type: 'svg'; readonly dot: string }
  | { readonly type: 'configure'; readonly versions?: readonly KubernetesVersion[] };
export type HelperReply = { readonly id: number; readonly value?: any; readonly error?: string };

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
    const configure: HelperRequest = { type: 'configure', versions };
    worker.postMessage(configure);
    return new SynthHelper(worker);
  }

  private next = 0;
  /** Whether the worker has loaded Graphviz and the common validators (it says so once). */
  public warm = false;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private failure?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: HelperReply | 'warm') => {
      if (reply === 'warm') {
        this.warm = true;
        return;
      }
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

  public validate(records: readonly ManifestRecord[], options: ValidationOptions): Promise<ValidationResult> {
    return this.ask({ id: this.next++, type: 'validate', records, options });
  }

  public renderSvg(dot: string): Promise<string> {
    return this.ask({ id: this.next++, type: 'svg', dot });
  }

  public async close(): Promise<void> {
    await this.worker.terminate();
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
 * `synthesize`, with the gate and the picture on the helper thread: the same stages and verdict, and nothing is
 * written unless the gate passed.
 */
/**
 * From this many objects the gate runs on the helper even when it is still starting: validating 500 objects takes
 * the main thread about as long as a cold worker takes to load (`SHIPSHAPE_STAGES=1`, bench/generated.ts).
 */
export const VALIDATE_ON_HELPER_FROM = 500;

export async function synthesizeWithHelper(options: SynthOptions, helper: SynthHelper): Promise<SynthResult> {
  const clock = new StageClock();
  checkOutdir(options.outdir);
  const { records, warnings } = buildRecords(options, clock);
  const gateOptions: ValidationOptions = { requireSpread: options.env.highAvailability, minKubernetesVersion: options.env.config.minKubernetesVersion };
  const handOver = helper.warm || records.length >= VALIDATE_ON_HELPER_FROM;
  const gate = handOver ? clock.time('validation (handing over)', () => helper.validate(records, gateOptions)) : undefined;
  gate?.catch(() => undefined); // awaited below
  const { files, graph, dot } = renderOutput(options, records, clock);
  const draw = graph.nodes.length <= MAX_DRAWN_NODES;
  const svg = draw ? helper.renderSvg(dot) : undefined;
  svg?.catch(() => undefined);
  const validation = gate ? await clock.timeAsync('waiting for the gate', () => gate) : clock.time('validation', () => validateManifests(records, gateOptions));
  rejectFindings(validation);
  if (svg) files.set('graph.svg', await clock.timeAsync('waiting for the picture', () => svg));
  const dropped = options.outdir ? clock.time('write', () => writeAtomically(options.outdir!, files)) : [];
  return { records, files, validation, graph: { nodes: graph.nodes.length, drawn: draw }, warnings, stages: clock.times, dropped };
}
