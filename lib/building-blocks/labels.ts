/**
 * The recommended labels (app.kubernetes.io/*): the full set goes on every
 * object; selectors use only the stable subset, never the version, so that an
 * upgrade or a refactor never changes an immutable selector.
 */
import { LABEL, MANAGED_BY } from '../vocabulary/labels';
import { checkDnsLabel } from './names';

/** Who a set of pods is: enough to select them and to describe them. */
export interface WorkloadIdentity {
  /** The software, e.g. `mongodb`. */
  readonly name: string;
  /** This installation of it, unique in the namespace, e.g. `rocketchat-mongodb`. */
  readonly instance: string;
  /** Its role in the architecture, e.g. `database`, `broker`. */
  readonly component: string;
  /** The app it belongs to, e.g. `rocketchat`. */
  readonly partOf: string;
  /** The software's version (from the image tag); never part of a selector. */
  readonly version: string;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The identity, checked: every part a DNS label, the version a label value; throws naming `owner`. */
export function checkIdentity(owner: string, id: WorkloadIdentity): WorkloadIdentity {
  checkDnsLabel(owner, 'instance', id.instance);
  checkDnsLabel(owner, 'name', id.name);
  checkDnsLabel(owner, 'component', id.component);
  checkDnsLabel(owner, 'partOf', id.partOf);
  if (id.version.length > 63 || !LABEL_VALUE.test(id.version)) {
    throw new Error(`${owner}: version '${id.version}' is not a valid label value; use at most 63 letters, digits, '-', '_' or '.'`);
  }
  return id;
}

/** The stable subset used by selectors. */
export function selectorLabels(id: WorkloadIdentity): Record<string, string> {
  return { [LABEL.name]: id.name, [LABEL.instance]: id.instance, [LABEL.component]: id.component };
}

/** Every recommended label, for metadata. */
export function recommendedLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    [LABEL.partOf]: id.partOf,
    [LABEL.version]: id.version,
    [LABEL.managedBy]: MANAGED_BY,
  };
}
