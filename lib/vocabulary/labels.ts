/**
 * The recommended label keys (app.kubernetes.io/*), shared by the constructs
 * that set them and the gate that checks them.
 */
export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  version: 'app.kubernetes.io/version',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The `managed-by` value of everything shipshape writes. */
export const MANAGED_BY = 'shipshape';
