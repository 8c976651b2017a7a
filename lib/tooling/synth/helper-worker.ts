/**
 * The second core's share of a synth (see ./helper.ts): started with the synth, it loads the gate's compiled
 * validators and Graphviz while the main thread builds the construct tree, then validates the records and draws the
 * picture it is sent. It runs the same functions as the in-process synth, so the verdict and the bytes are the same.
 */
import { parentPort } from 'worker_threads';
import { loadSvgRenderer } from '../graph/render';
import { validateManifests, warmValidators } from '../validation';
import type { HelperReply, HelperRequest } from './helper';
import type { KubernetesVersion } from '../validation/schema';

/** The kinds nearly every synth has; their validators load before the records arrive. */
const COMMON_KINDS = ['v1/Namespace', 'v1/ServiceAccount', 'networking.k8s.io/v1/NetworkPolicy', 'v1/ConfigMap', 'v1/Service', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'policy/v1/PodDisruptionBudget'];

const port = parentPort!;
const svg = loadSvgRenderer();
svg.catch(() => undefined); // reported when a picture is asked for

let configured: (versions: readonly KubernetesVersion[] | undefined) => void;
const versions = new Promise<readonly KubernetesVersion[] | undefined>((resolve) => (configured = resolve));

port.on('message', async (request: HelperRequest) => {
  if (request.type === 'configure') return configured(request.versions);
  let reply: HelperReply;
  try {
    if (request.type === 'validate') reply = { id: request.id, value: validateManifests(request.records, request.options) };
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
void Promise.all([svg.catch(() => undefined), versions]).then(([, checked]) => {
  warmValidators(COMMON_KINDS, checked);
  port.postMessage('warm');
});
