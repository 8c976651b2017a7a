/**
 * The second core's share of a synth (see ./helper.ts): started with the process, it loads Graphviz and the gate's
 * compiled validators while the main thread builds the construct tree; then it checks each object it is sent while
 * the main thread resolves the rest, writes YAML whenever it has nothing else to do (./yaml-claims.ts), runs the rules
 * that relate objects once all have arrived, and draws the picture. It runs the same functions as the in-process
 * synth, so the verdict and the bytes are the same.
 */
import { parentPort } from 'worker_threads';
import { loadSvgRenderer } from '../graph/render';
import type { ManifestRecord } from '../manifest/manifest';
import { ObjectChecker, ObjectFindings, validateManifests, ValidationOptions, warmValidators } from '../validation';
import type { KubernetesVersion } from '../validation/schema';
import type { CheckedOutput, HelperReply, HelperRequest } from './helper';
import { ClaimedBatch, HELPER, idleWhileSending, writeClaimed } from './yaml-claims';

/** The kinds nearly every synth has; their validators load before the records arrive. */
const COMMON_KINDS = ['v1/Namespace', 'v1/ServiceAccount', 'networking.k8s.io/v1/NetworkPolicy', 'v1/ConfigMap', 'v1/Service', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'policy/v1/PodDisruptionBudget'];

const port = parentPort!;
const svg = loadSvgRenderer();
svg.catch(() => undefined); // reported when a picture is asked for

let configured: (config: { versions?: readonly KubernetesVersion[]; warm: Int32Array }) => void;
const config = new Promise<{ versions?: readonly KubernetesVersion[]; warm: Int32Array }>((resolve) => (configured = resolve));

/** The objects of the synth in progress, in the order sent, each checked as it arrived. */
interface Received {
  readonly record: ManifestRecord;
  readonly findings: ObjectFindings;
}
/**
 * `batches`: those received; `unwritten`: the first whose YAML this thread has not tried yet; `yaml`: the documents it
 * wrote, by the objects' numbers (./yaml-claims.ts).
 */
interface Synth {
  readonly options: ValidationOptions;
  readonly checker: ObjectChecker;
  readonly progress: Int32Array;
  readonly received: Received[];
  readonly batches: (ClaimedBatch & { readonly first: number })[];
  unwritten: number;
  readonly yaml: Map<number, string>;
  error?: unknown;
}
let synth: Synth | undefined;

function receive(records: readonly ManifestRecord[], claims: Int32Array): void {
  if (!synth || synth.error) return;
  try {
    synth.batches.push({ records, claims, first: synth.received.length });
    for (const record of records) synth.received.push({ record, findings: synth.checker.check(record) });
    // YAML while nothing else waits: checking what is sent comes first, then the rules that relate objects.
    while (synth.unwritten < synth.batches.length && idleWhileSending(synth.progress, synth.batches.length)) writeBatch(synth);
  } catch (err) {
    synth.error = err; // reported at finish, which the main thread awaits
  }
}

/** The YAML of the next batch's objects the main thread has not taken. */
function writeBatch(s: Synth): void {
  const batch = s.batches[s.unwritten++];
  writeClaimed(batch, HELPER, s.yaml, (i) => batch.first + i);
}

function finish(order: readonly number[]): CheckedOutput {
  if (!synth) throw new Error('the synth helper was asked to finish a synth it was not given');
  if (synth.error) throw synth.error;
  const received = order.map((n) => synth!.received[n]);
  const byRecord = new Map(received.map((r) => [r.record, r]));
  const records = received.map((r) => r.record);
  const validation = validateManifests(records, synth.options, (r) => byRecord.get(r)!.findings);
  while (synth.unwritten < synth.batches.length) writeBatch(synth);
  const yaml = synth.yaml;
  synth = undefined;
  return { validation, yaml };
}

port.on('message', async (request: HelperRequest) => {
  if (request.type === 'configure') return configured(request);
  if (request.type === 'begin') {
    synth = { options: request.options, checker: new ObjectChecker(request.options), progress: request.progress, received: [], batches: [], unwritten: 0, yaml: new Map() };
    return;
  }
  if (request.type === 'objects') return receive(request.records, request.claims);
  let reply: HelperReply;
  try {
    if (request.type === 'finish') reply = { id: request.id, value: finish(request.order) };
    else reply = { id: request.id, value: (await svg)(request.dot) };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
  // The thread is terminated, never exits: the runner's code cache of this bundle is saved here.
  saveCodeCache();
});

function saveCodeCache(): void {
  const runner = (globalThis as Record<symbol, { saveCodeCache?: (() => void)[] } | undefined>)[Symbol.for('shipshape.runner')];
  for (const save of runner?.saveCodeCache ?? []) save();
}

// After the message handler is in place: a request that arrives meanwhile waits in the port's queue. Graphviz first
// (every synth draws; a small one validates on the main thread), then the validators of the schema versions this
// synth checks (the environment's, sent by the CLI once it has read its arguments).
void Promise.all([svg.catch(() => undefined), config]).then(([, { versions, warm }]) => {
  warmValidators(COMMON_KINDS, versions);
  Atomics.store(warm, 0, 1);
});
