/**
 * Warnings a construct records for the synth to print: things Kubernetes
 * accepts but that behave surprisingly (e.g. a CronJob run inside a
 * daylight-saving jump). Kept as construct metadata, so no construct needs
 * the tooling.
 */
import { IConstruct } from 'constructs';

const WARNING = 'shipshape:warning';

/** Records `message` on `scope`; the synth prints it after a successful run. */
export function addWarning(scope: IConstruct, message: string): void {
  scope.node.addMetadata(WARNING, message);
}

/** Every warning recorded under `root`, in construct order. */
export function warningsOf(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === WARNING).map((m) => String(m.data)));
}
