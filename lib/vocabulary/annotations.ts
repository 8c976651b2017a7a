/**
 * Annotations through which constructs describe themselves to the validation
 * gate. Because they live on the objects, the gate can check any YAML, not
 * only ours.
 */
export const ANNOTATION = {
  /** On a pod template: the hash of every ConfigMap and Secret the pods read; a change rolls them. */
  configHash: 'shipshape.dev/config-hash',
  /** On a pod template: `Kind/name` objects the pods need that are created outside the synth. */
  externalRefs: 'shipshape.dev/external-refs',
  /** On a Namespace that lowers its Pod Security level: why it must. */
  podSecurityReason: 'shipshape.dev/pod-security-reason',
  /** On a NetworkPolicy: what its ipBlock peers are, as JSON `{ "<cidr>": "<name>" }` (e.g. the Kubernetes API), for the graph. */
  addressNames: 'shipshape.dev/address-names',
  /** On any object checked by `npm run validate`: rules switched off for it, and why (`rule-a,rule-b: reason`). */
  skipRules: 'shipshape.dev/skip-rules',
  /**
   * On any object: a value that must never change for the object's life (e.g. a static Kafka quorum's voters), which
   * the API server would accept but the software cannot survive; `npm run plan` refuses a change of it.
   */
  fixedForLife: 'shipshape.dev/fixed-for-life',
  /** Beside fixedForLife: what to do instead, shown by the plan. */
  fixedForLifeSteps: 'shipshape.dev/fixed-for-life-steps',
  /** On a development Secret: a warning that its values are not secret. */
  developmentOnly: 'shipshape.dev/development-only',
} as const;
