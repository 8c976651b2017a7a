/**
 * What the API server refuses in a pod template's scheduling fields, which the JSON schemas accept: tolerations,
 * node selector, node and pod (anti-)affinity, topology spread. Ported from kubernetes/kubernetes
 * `pkg/apis/core/validation/validation.go` (ValidateTolerations, validateTaintEffect, validateAffinity,
 * ValidateNodeSelector, ValidateNodeSelectorRequirement, ValidateNodeFieldSelectorRequirement,
 * ValidatePreferredSchedulingTerms, validatePodAffinityTerm, validateWeightedPodAffinityTerms,
 * validateTopologySpreadConstraints, validateMinDomains, ValidateSpreadConstraintNotRepeat,
 * validateNodeInclusionPolicy, validateMatchLabelKeysInTopologySpread) and apimachinery's ValidateLabelSelector and
 * ValidateLabels; a new object gets none of the leniencies the server keeps for objects stored before a rule.
 */
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../../vocabulary/formats';

type Add = (rule: string, field: string, message: string) => void;

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const SPREAD_ACTIONS = ['DoNotSchedule', 'ScheduleAnyway'];
const INCLUSION_POLICIES = ['Honor', 'Ignore'];

export function checkScheduling(spec: Record<string, any>, base: string, add: Add): void {
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    const problem = qualifiedNameProblem(key) ?? labelValueProblem(String(value));
    if (problem) add('api/node-selector', `${base}.nodeSelector`, `nodeSelector '${key}: ${String(value)}': ${problem}`);
  }
  (spec.tolerations ?? []).forEach((t: Record<string, any>, i: number) => checkToleration(t, `${base}.tolerations[${i}]`, add));
  checkAffinity(spec.affinity, `${base}.affinity`, add);
  checkSpread(spec.topologySpreadConstraints ?? [], `${base}.topologySpreadConstraints`, add);
}

function checkToleration(t: Record<string, any>, at: string, add: Add): void {
  const key = t.key ?? '';
  const operator = t.operator ?? '';
  const value = t.value ?? '';
  const problem = (field: string, message: string) => add('api/toleration', `${at}.${field}`, `toleration ${message}`);
  if (key) {
    const bad = qualifiedNameProblem(key);
    if (bad) problem('key', `key '${key}' ${bad}`);
  }
  if (!key && operator !== 'Exists') problem('operator', 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') problem('effect', "effect must be 'NoExecute' when `tolerationSeconds` is set");
  if (operator === 'Equal' || operator === '') {
    const bad = labelValueProblem(value);
    if (bad) problem('value', `value '${value}' ${bad}`);
  } else if (operator === 'Exists') {
    if (value) problem('value', "value must be empty when `operator` is 'Exists'");
  } else {
    problem('operator', `operator '${operator}' is not one of 'Equal', 'Exists'`);
  }
  if (t.effect && !EFFECTS.includes(t.effect)) problem('effect', `effect '${t.effect}' is not one of ${EFFECTS.map((e) => `'${e}'`).join(', ')}`);
}

function checkAffinity(affinity: Record<string, any> | undefined, at: string, add: Add): void {
  if (!affinity) return;
  const problem = (field: string, message: string) => add('api/affinity', field, message);
  const node = affinity.nodeAffinity;
  const required = node?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms: any[] = required.nodeSelectorTerms ?? [];
    const termsAt = `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    if (terms.length === 0) problem(termsAt, 'nodeAffinity: required node selector must have at least one node selector term');
    terms.forEach((term, i) => checkNodeSelectorTerm(term, `${termsAt}[${i}]`, true, problem));
  }
  (node?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term: any, i: number) => {
    const termAt = `${at}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    checkWeight(term.weight, `${termAt}.weight`, problem);
    // The server lets preferred terms have any label value: they may match on a single-node cluster.
    checkNodeSelectorTerm(term.preference ?? {}, `${termAt}.preference`, false, problem);
  });
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const terms = affinity[kind];
    if (!terms) continue;
    (terms.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term: any, i: number) => checkPodAffinityTerm(term, `${at}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, kind, problem));
    (terms.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((weighted: any, i: number) => {
      const termAt = `${at}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      checkWeight(weighted.weight, `${termAt}.weight`, problem);
      checkPodAffinityTerm(weighted.podAffinityTerm ?? {}, `${termAt}.podAffinityTerm`, kind, problem);
    });
  }
}

function checkWeight(weight: unknown, at: string, problem: (field: string, message: string) => void): void {
  if (typeof weight !== 'number' || weight <= 0 || weight > 100) problem(at, `weight ${String(weight)} must be in the range 1-100`);
}

function checkNodeSelectorTerm(term: Record<string, any>, at: string, checkValues: boolean, problem: (field: string, message: string) => void): void {
  (term.matchExpressions ?? []).forEach((rq: Record<string, any>, j: number) => {
    const rqAt = `${at}.matchExpressions[${j}]`;
    const values: unknown[] = rq.values ?? [];
    const operator = String(rq.operator ?? '');
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) problem(`${rqAt}.values`, "nodeAffinity: values must be specified when `operator` is 'In' or 'NotIn'");
    else if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) problem(`${rqAt}.values`, "nodeAffinity: values may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    else if ((operator === 'Gt' || operator === 'Lt') && values.length !== 1) problem(`${rqAt}.values`, "nodeAffinity: a single value must be specified when `operator` is 'Lt' or 'Gt'");
    else if (!['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'].includes(operator)) problem(`${rqAt}.operator`, `nodeAffinity: '${operator}' is not a valid selector operator`);
    const keyProblem = qualifiedNameProblem(String(rq.key ?? ''));
    if (keyProblem) problem(`${rqAt}.key`, `nodeAffinity: key '${rq.key ?? ''}' ${keyProblem}`);
    if (!checkValues) return;
    values.forEach((v, k) => {
      const bad = labelValueProblem(String(v));
      if (bad) problem(`${rqAt}.values[${k}]`, `nodeAffinity: value '${String(v)}' ${bad}`);
    });
  });
  (term.matchFields ?? []).forEach((rq: Record<string, any>, j: number) => {
    const rqAt = `${at}.matchFields[${j}]`;
    const values: unknown[] = rq.values ?? [];
    if (rq.operator !== 'In' && rq.operator !== 'NotIn') problem(`${rqAt}.operator`, `nodeAffinity: '${rq.operator ?? ''}' is not a valid selector operator for a node field`);
    else if (values.length !== 1) problem(`${rqAt}.values`, "nodeAffinity: exactly one value when `operator` is 'In' or 'NotIn' for a node field selector");
    if (rq.key !== 'metadata.name') problem(`${rqAt}.key`, `nodeAffinity: '${rq.key ?? ''}' is not a valid field selector key; the only one is metadata.name`);
    else values.forEach((v, k) => {
      const bad = dnsSubdomainProblem(String(v));
      if (bad) problem(`${rqAt}.values[${k}]`, `nodeAffinity: node name '${String(v)}' ${bad}`);
    });
  });
}

function checkPodAffinityTerm(term: Record<string, any>, at: string, kind: string, problem: (field: string, message: string) => void): void {
  for (const [field, message] of labelSelectorProblems(term.labelSelector, `${at}.labelSelector`)) problem(field, `${kind}: ${message}`);
  for (const ns of term.namespaces ?? []) {
    const bad = dnsLabelProblem(String(ns));
    if (bad) problem(`${at}.namespaces`, `${kind}: namespace '${String(ns)}' ${bad}`);
  }
  for (const [field, message] of labelSelectorProblems(term.namespaceSelector, `${at}.namespaceSelector`)) problem(field, `${kind}: ${message}`);
  const topologyKey = String(term.topologyKey ?? '');
  const bad = topologyKey ? qualifiedNameProblem(topologyKey) : 'can not be empty';
  if (bad) problem(`${at}.topologyKey`, `${kind}: topologyKey '${topologyKey}' ${bad}`);
}

function checkSpread(constraints: Record<string, any>[], at: string, add: Add): void {
  const problem = (field: string, message: string) => add('api/topology-spread', field, `topology spread ${message}`);
  constraints.forEach((c, i) => {
    const cAt = `${at}[${i}]`;
    if (typeof c.maxSkew !== 'number' || c.maxSkew <= 0) problem(`${cAt}.maxSkew`, `maxSkew ${String(c.maxSkew)} must be greater than zero`);
    if (!c.topologyKey) problem(`${cAt}.topologyKey`, 'topologyKey can not be empty');
    if (!SPREAD_ACTIONS.includes(c.whenUnsatisfiable)) problem(`${cAt}.whenUnsatisfiable`, `whenUnsatisfiable '${String(c.whenUnsatisfiable ?? '')}' is not one of 'DoNotSchedule', 'ScheduleAnyway'`);
    if (constraints.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      problem(cAt, `{${c.topologyKey}, ${c.whenUnsatisfiable}} is given twice; one constraint per topologyKey and whenUnsatisfiable`);
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (typeof c.minDomains !== 'number' || c.minDomains <= 0) problem(`${cAt}.minDomains`, `minDomains ${String(c.minDomains)} must be greater than zero`);
      if (c.whenUnsatisfiable !== 'DoNotSchedule') problem(`${cAt}.minDomains`, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${String(c.whenUnsatisfiable)}`);
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (c[policy] !== undefined && !INCLUSION_POLICIES.includes(c[policy])) problem(`${cAt}.${policy}`, `${policy} '${String(c[policy])}' is not one of 'Honor', 'Ignore'`);
    }
    const keys: unknown[] = c.matchLabelKeys ?? [];
    if (keys.length > 0 && !c.labelSelector) problem(`${cAt}.matchLabelKeys`, 'matchLabelKeys must not be specified when labelSelector is not set');
    const selectorKeys = new Set([...Object.keys(c.labelSelector?.matchLabels ?? {}), ...(c.labelSelector?.matchExpressions ?? []).map((e: any) => e.key)]);
    keys.forEach((k, j) => {
      const bad = qualifiedNameProblem(String(k));
      if (bad) problem(`${cAt}.matchLabelKeys[${j}]`, `matchLabelKeys '${String(k)}' ${bad}`);
      if (selectorKeys.has(k)) problem(`${cAt}.matchLabelKeys[${j}]`, `matchLabelKeys '${String(k)}' exists in both matchLabelKeys and labelSelector`);
    });
    for (const [field, message] of labelSelectorProblems(c.labelSelector, `${cAt}.labelSelector`)) problem(field, message);
  });
}

/** apimachinery's ValidateLabelSelector, for a new object (no invalid label values). */
function labelSelectorProblems(selector: Record<string, any> | undefined, at: string): [string, string][] {
  if (!selector) return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const bad = qualifiedNameProblem(key) ?? labelValueProblem(String(value));
    if (bad) out.push([`${at}.matchLabels`, `label selector '${key}: ${String(value)}': ${bad}`]);
  }
  (selector.matchExpressions ?? []).forEach((e: Record<string, any>, i: number) => {
    const eAt = `${at}.matchExpressions[${i}]`;
    const values: unknown[] = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) out.push([`${eAt}.values`, "label selector: values must be non-empty when `operator` is 'In' or 'NotIn'"]);
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) out.push([`${eAt}.values`, "label selector: values may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]);
    else if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) out.push([`${eAt}.operator`, `label selector: '${String(e.operator ?? '')}' is not a valid selector operator`]);
    const bad = qualifiedNameProblem(String(e.key ?? ''));
    if (bad) out.push([`${eAt}.key`, `label selector: key '${String(e.key ?? '')}' ${bad}`]);
    values.forEach((v, k) => {
      const badValue = labelValueProblem(String(v));
      if (badValue) out.push([`${eAt}.values[${k}]`, `label selector: value '${String(v)}' ${badValue}`]);
    });
  });
  return out;
}
