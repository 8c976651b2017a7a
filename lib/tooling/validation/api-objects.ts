/**
 * What the API server refuses in the objects themselves, per kind, ported from kubernetes/kubernetes:
 * `staging/src/k8s.io/apimachinery/pkg/api/validation/{objectmeta.go,generic.go}` (names, labels, annotations),
 * `pkg/apis/core/validation` (Namespace, Service, PVC), `pkg/apis/apps/validation` (selectors match templates),
 * `pkg/apis/batch/validation` (Job, CronJob and its 52-character name), `pkg/apis/policy/validation` (PDB),
 * `pkg/apis/autoscaling/validation` (HPA), `pkg/apis/networking/validation` (NetworkPolicy, Ingress),
 * `pkg/apis/rbac/validation` and `pkg/apis/scheduling/validation` (PriorityClass).
 */
import { isIP } from 'net';
import { ManifestRecord } from '../manifest/manifest';
import {
  dns1035LabelProblem,
  dnsLabelProblem,
  dnsSubdomainProblem,
  ingressHostProblem,
  ingressPathProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
  MAX_CRONJOB_NAME,
  pathSegmentProblem,
  portNameProblem,
  portNumberProblem,
  qualifiedNameProblem,
  quantityProblem,
} from '../../vocabulary/formats';
import { parseQuantity } from '../../vocabulary/quantity';
import { Finding, finding } from './finding';

type Add = (rule: string, field: string, message: string) => void;

const NAME_RULES: Record<string, (name: string) => string | undefined> = {
  Namespace: (n) => dnsLabelProblem(n),
  Service: (n) => dns1035LabelProblem(n),
  StatefulSet: (n) => dnsLabelProblem(n, MAX_CRONJOB_NAME),
  CronJob: (n) => dnsSubdomainProblem(n) ?? (n.length > MAX_CRONJOB_NAME ? `must be no more than ${MAX_CRONJOB_NAME} characters (the controller appends 11 to name its Jobs)` : undefined),
  // The Job controller puts the name in the pods' job-name label, a label value of at most 63.
  Job: (n) => dnsSubdomainProblem(n) ?? labelValueProblem(n),
  Role: pathSegmentProblem,
  RoleBinding: pathSegmentProblem,
  ClusterRole: pathSegmentProblem,
  ClusterRoleBinding: pathSegmentProblem,
};

export function checkObjectApi(record: ManifestRecord): Finding[] {
  const out: Finding[] = [];
  const add: Add = (rule, field, message) => out.push(finding(record, rule, field, message));
  const m = record.manifest as any;
  checkMetadata(m, add);
  const check = KIND_RULES[m.kind];
  if (check) check(m, add);
  const template = m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template : m.spec?.template;
  const templatePath = m.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.metadata' : 'spec.template.metadata';
  if (template?.metadata) checkLabelsAndAnnotations(template.metadata, templatePath, add);
  return out;
}

function checkMetadata(m: any, add: Add): void {
  const name = m.metadata?.name;
  if (typeof name === 'string') {
    const problem = (NAME_RULES[m.kind] ?? dnsSubdomainProblem)(name);
    if (problem) add('api/name', 'metadata.name', `${m.kind} name '${name}' ${problem}`);
  }
  const ns = m.metadata?.namespace;
  if (typeof ns === 'string' && dnsLabelProblem(ns)) add('api/name', 'metadata.namespace', `namespace '${ns}' ${dnsLabelProblem(ns)}`);
  checkLabelsAndAnnotations(m.metadata ?? {}, 'metadata', add);
}

function checkLabelsAndAnnotations(meta: any, at: string, add: Add): void {
  checkLabels(meta.labels, `${at}.labels`, add);
  let size = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    const problem = qualifiedNameProblem(key.toLowerCase());
    if (problem) add('api/annotation', `${at}.annotations`, `annotation key '${key}' ${problem}`);
    size += key.length + String(value ?? '').length;
  }
  if (size > MAX_ANNOTATIONS_BYTES) add('api/annotation', `${at}.annotations`, `annotations take ${size} bytes, above the ${MAX_ANNOTATIONS_BYTES} the API server allows`);
}

function checkLabels(labels: Record<string, unknown> | undefined, at: string, add: Add): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) add('api/label', at, `label key '${key}' ${keyProblem}`);
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : 'must be a string';
    if (valueProblem) add('api/label', at, `label '${key}' value '${String(value)}' ${valueProblem}`);
  }
}

/** `selector` must select the template's labels (apps ValidatePodTemplateSpecForReplicaSet and friends). */
function checkSelector(m: any, add: Add): void {
  const matchLabels = m.spec?.selector?.matchLabels ?? {};
  checkLabels(matchLabels, 'spec.selector.matchLabels', add);
  if (Object.keys(matchLabels).length === 0 && !(m.spec?.selector?.matchExpressions ?? []).length) add('api/selector', 'spec.selector', `empty selector is invalid for a ${m.kind}`);
  const labels = m.spec?.template?.metadata?.labels ?? {};
  const missing = Object.entries(matchLabels).filter(([k, v]) => labels[k] !== v);
  if (missing.length > 0) add('api/selector', 'spec.template.metadata.labels', `selector does not match template labels (${missing.map(([k, v]) => `${k}=${String(v)}`).join(', ')})`);
}

function nonNegative(value: unknown, field: string, add: Add, min = 0): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min)) add('api/batch', field, `${field.split('.').pop()} ${String(value)} must be a whole number of at least ${min}`);
}

function checkJobSpec(spec: any, at: string, add: Add): void {
  if (!spec) return;
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) nonNegative(spec[f], `${at}.${f}`, add);
  nonNegative(spec.activeDeadlineSeconds, `${at}.activeDeadlineSeconds`, add, 1);
  const restart = spec.template?.spec?.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') add('api/batch', `${at}.template.spec.restartPolicy`, `restartPolicy '${restart ?? ''}' is not allowed for a Job; use OnFailure or Never`);
  if (spec.podFailurePolicy && restart !== 'Never') add('api/batch', `${at}.template.spec.restartPolicy`, 'a podFailurePolicy needs restartPolicy Never');
}

function cidrProblem(value: unknown): string | undefined {
  const [ip, bits, extra] = String(value).split('/');
  const family = isIP(ip);
  const max = family === 4 ? 32 : 128;
  if (!family || extra !== undefined || !/^\d+$/.test(bits ?? '') || Number(bits) > max) return 'is not a CIDR such as 10.0.0.0/8';
  return undefined;
}

/** Is `inner` inside `outer` and narrower (ipBlock except must be a strict subset of cidr)? IPv4 only. */
function strictSubset(inner: string, outer: string): boolean {
  const toBits = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    if (isIP(ip) !== 4) return undefined;
    return { n: ip.split('.').reduce((a, o) => a * 256 + Number(o), 0), bits: Number(bits) };
  };
  const i = toBits(inner);
  const o = toBits(outer);
  if (!i || !o) return true;
  const mask = (n: number, bits: number) => Math.floor(n / 2 ** (32 - bits));
  return i.bits > o.bits && mask(i.n, o.bits) === mask(o.n, o.bits);
}

function checkPolicyPorts(ports: any[] | undefined, at: string, add: Add): void {
  (ports ?? []).forEach((p, i) => {
    if (typeof p.port === 'number' && portNumberProblem(p.port)) add('api/network-policy', `${at}[${i}].port`, `port ${p.port} ${portNumberProblem(p.port)}`);
    if (typeof p.port === 'string' && portNameProblem(p.port)) add('api/network-policy', `${at}[${i}].port`, `port '${p.port}' ${portNameProblem(p.port)}`);
    if (p.endPort !== undefined && (typeof p.port !== 'number' || p.endPort < p.port)) add('api/network-policy', `${at}[${i}].endPort`, 'endPort needs a numeric port and must be at least port');
  });
}

function checkPeers(peers: any[] | undefined, at: string, add: Add): void {
  (peers ?? []).forEach((peer, i) => {
    const block = peer.ipBlock;
    if (!block) return;
    if (peer.podSelector || peer.namespaceSelector) add('api/network-policy', `${at}[${i}]`, 'ipBlock cannot be combined with a pod or namespace selector in one peer');
    const problem = cidrProblem(block.cidr);
    if (problem) add('api/network-policy', `${at}[${i}].ipBlock.cidr`, `cidr '${block.cidr}' ${problem}`);
    (block.except ?? []).forEach((e: string, j: number) => {
      const p = cidrProblem(e);
      if (p) add('api/network-policy', `${at}[${i}].ipBlock.except[${j}]`, `except '${e}' ${p}`);
      else if (!problem && !strictSubset(e, block.cidr)) add('api/network-policy', `${at}[${i}].ipBlock.except[${j}]`, `except '${e}' must be a strict subset of cidr '${block.cidr}'`);
    });
  });
}

function checkRules(m: any, add: Add): void {
  (m.rules ?? []).forEach((r: any, i: number) => {
    const at = `rules[${i}]`;
    if (!(r.verbs ?? []).length) add('api/rbac', `${at}.verbs`, 'verbs must contain at least one value');
    if ((r.nonResourceURLs ?? []).length > 0) {
      if (m.kind === 'Role') add('api/rbac', `${at}.nonResourceURLs`, 'namespaced rules cannot apply to non-resource URLs');
      if ((r.apiGroups ?? []).length || (r.resources ?? []).length) add('api/rbac', `${at}.nonResourceURLs`, 'rules cannot apply to both resources and non-resource URLs');
    } else {
      if (!(r.apiGroups ?? []).length) add('api/rbac', `${at}.apiGroups`, "resource rules must supply at least one api group (\"\" for the core group)");
      if (!(r.resources ?? []).length) add('api/rbac', `${at}.resources`, 'resource rules must supply at least one resource');
      if ((r.resourceNames ?? []).length && (r.resources ?? []).length > 1) add('api/rbac', `${at}.resourceNames`, 'resource names cannot apply to multiple resources');
    }
  });
}

function checkBinding(m: any, add: Add): void {
  const ref = m.roleRef ?? {};
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') add('api/rbac', 'roleRef.apiGroup', `roleRef apiGroup '${ref.apiGroup ?? ''}' must be rbac.authorization.k8s.io`);
  const kinds = m.kind === 'ClusterRoleBinding' ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind)) add('api/rbac', 'roleRef.kind', `roleRef kind '${ref.kind ?? ''}' must be ${kinds.join(' or ')}`);
  if (!ref.name) add('api/rbac', 'roleRef.name', 'roleRef name is required');
  (m.subjects ?? []).forEach((s: any, i: number) => {
    if (!s.name) add('api/rbac', `subjects[${i}].name`, 'subject name is required');
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup) add('api/rbac', `subjects[${i}].apiGroup`, "a ServiceAccount subject's apiGroup must be empty");
      if (m.kind === 'ClusterRoleBinding' && !s.namespace) add('api/rbac', `subjects[${i}].namespace`, 'a ServiceAccount subject of a ClusterRoleBinding needs its namespace');
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== 'rbac.authorization.k8s.io') add('api/rbac', `subjects[${i}].apiGroup`, `a ${s.kind} subject's apiGroup must be rbac.authorization.k8s.io`);
    } else {
      add('api/rbac', `subjects[${i}].kind`, `subject kind '${s.kind ?? ''}' must be ServiceAccount, User or Group`);
    }
  });
}

function percentOrCount(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? undefined : 'must be a whole number of at least 0';
  const m = /^(\d+)%$/.exec(String(value));
  if (!m) return "must be a whole number or a percentage such as '25%'";
  return Number(m[1]) > 100 ? 'must not be greater than 100%' : undefined;
}

function checkClaimTemplates(m: any, add: Add): void {
  (m.spec?.volumeClaimTemplates ?? []).forEach((t: any, i: number) => {
    const at = `spec.volumeClaimTemplates[${i}]`;
    const modes: unknown[] = t.spec?.accessModes ?? [];
    if (modes.length === 0) add('api/volume-claim', `${at}.spec.accessModes`, 'at least 1 access mode is required');
    for (const mode of modes) if (!['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].includes(String(mode))) add('api/volume-claim', `${at}.spec.accessModes`, `access mode '${String(mode)}' is not supported`);
    if (modes.includes('ReadWriteOncePod') && modes.length > 1) add('api/volume-claim', `${at}.spec.accessModes`, 'ReadWriteOncePod may not be combined with other access modes');
    const storage = t.spec?.resources?.requests?.storage;
    if (storage === undefined) add('api/volume-claim', `${at}.spec.resources.requests.storage`, 'a storage request is required');
    else if (quantityProblem(storage)) add('api/quantity', `${at}.spec.resources.requests.storage`, `storage '${storage}' ${quantityProblem(storage)}`);
    else if (parseQuantity('', '', storage) <= 0) add('api/volume-claim', `${at}.spec.resources.requests.storage`, `storage '${storage}' must be greater than zero`);
    const claimName = `${t.metadata?.name}-${m.metadata?.name}-0`;
    if (dnsSubdomainProblem(claimName)) add('api/volume-claim', `${at}.metadata.name`, `claims are named like '${claimName}', which ${dnsSubdomainProblem(claimName)}`);
    if (t.spec?.storageClassName !== undefined && dnsSubdomainProblem(String(t.spec.storageClassName))) add('api/volume-claim', `${at}.spec.storageClassName`, `storageClassName '${t.spec.storageClassName}' ${dnsSubdomainProblem(String(t.spec.storageClassName))}`);
  });
}

const KIND_RULES: Record<string, (m: any, add: Add) => void> = {
  Deployment: checkSelector,
  DaemonSet: checkSelector,
  StatefulSet: (m, add) => {
    checkSelector(m, add);
    checkClaimTemplates(m, add);
    if (m.spec?.serviceName && dnsLabelProblem(m.spec.serviceName)) add('api/name', 'spec.serviceName', `serviceName '${m.spec.serviceName}' ${dnsLabelProblem(m.spec.serviceName)} (Kubernetes 1.33 and later refuse it)`);
  },
  Job: (m, add) => checkJobSpec(m.spec, 'spec', add),
  CronJob: (m, add) => {
    const spec = m.spec ?? {};
    for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) nonNegative(spec[f], `spec.${f}`, add);
    if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) add('api/batch', 'spec.concurrencyPolicy', `concurrencyPolicy '${spec.concurrencyPolicy}' must be Allow, Forbid or Replace`);
    if (spec.jobTemplate?.spec?.selector) add('api/batch', 'spec.jobTemplate.spec.selector', 'a CronJob\'s job selector is generated; leave it out');
    checkJobSpec(spec.jobTemplate?.spec, 'spec.jobTemplate.spec', add);
  },
  Service: (m, add) => {
    const ports: any[] = m.spec?.ports ?? [];
    const names = new Set<string>();
    const numbers = new Set<string>();
    ports.forEach((p, i) => {
      const at = `spec.ports[${i}]`;
      if (ports.length > 1 && !p.name) add('api/service-port', `${at}.name`, 'a Service with more than one port needs a name for each');
      if (p.name !== undefined && dnsLabelProblem(String(p.name))) add('api/service-port', `${at}.name`, `port name '${p.name}' ${dnsLabelProblem(String(p.name))}`);
      if (p.name !== undefined && names.has(p.name)) add('api/service-port', `${at}.name`, `port name '${p.name}' is used twice`);
      names.add(p.name);
      if (portNumberProblem(p.port)) add('api/service-port', `${at}.port`, `port ${p.port} ${portNumberProblem(p.port)}`);
      const key = `${p.port}/${p.protocol ?? 'TCP'}`;
      if (numbers.has(key)) add('api/service-port', `${at}.port`, `port ${key} is declared twice`);
      numbers.add(key);
      const t = p.targetPort;
      if (typeof t === 'string' && portNameProblem(t)) add('api/service-port', `${at}.targetPort`, `targetPort '${t}' ${portNameProblem(t)}`);
      if (typeof t === 'number' && portNumberProblem(t)) add('api/service-port', `${at}.targetPort`, `targetPort ${t} ${portNumberProblem(t)}`);
    });
    checkLabels(m.spec?.selector, 'spec.selector', add);
  },
  PodDisruptionBudget: (m, add) => {
    const spec = m.spec ?? {};
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) add('api/disruption-budget', 'spec', 'minAvailable and maxUnavailable cannot both be set');
    for (const f of ['minAvailable', 'maxUnavailable']) if (spec[f] !== undefined && percentOrCount(spec[f])) add('api/disruption-budget', `spec.${f}`, `${f} '${spec[f]}' ${percentOrCount(spec[f])}`);
    checkLabels(spec.selector?.matchLabels, 'spec.selector.matchLabels', add);
  },
  HorizontalPodAutoscaler: (m, add) => {
    const min = m.spec?.minReplicas ?? 1;
    const max = m.spec?.maxReplicas;
    if (!Number.isInteger(min) || min < 1) add('api/autoscaler', 'spec.minReplicas', `minReplicas ${min} must be at least 1`);
    if (!Number.isInteger(max) || max < 1 || max < min) add('api/autoscaler', 'spec.maxReplicas', `maxReplicas ${max} must be at least 1 and at least minReplicas ${min}`);
    if (!m.spec?.scaleTargetRef?.kind || !m.spec?.scaleTargetRef?.name) add('api/autoscaler', 'spec.scaleTargetRef', 'scaleTargetRef needs kind and name');
  },
  NetworkPolicy: (m, add) => {
    checkLabels(m.spec?.podSelector?.matchLabels, 'spec.podSelector.matchLabels', add);
    (m.spec?.ingress ?? []).forEach((r: any, i: number) => {
      checkPeers(r.from, `spec.ingress[${i}].from`, add);
      checkPolicyPorts(r.ports, `spec.ingress[${i}].ports`, add);
    });
    (m.spec?.egress ?? []).forEach((r: any, i: number) => {
      checkPeers(r.to, `spec.egress[${i}].to`, add);
      checkPolicyPorts(r.ports, `spec.egress[${i}].ports`, add);
    });
  },
  Ingress: (m, add) => {
    if (!(m.spec?.rules ?? []).length && !m.spec?.defaultBackend) add('api/ingress', 'spec', 'either defaultBackend or rules must be specified');
    (m.spec?.rules ?? []).forEach((r: any, i: number) => {
      if (r.host !== undefined && ingressHostProblem(r.host)) add('api/ingress', `spec.rules[${i}].host`, `host '${r.host}' ${ingressHostProblem(r.host)}`);
      (r.http?.paths ?? []).forEach((p: any, j: number) => {
        const at = `spec.rules[${i}].http.paths[${j}]`;
        if (!p.pathType) add('api/ingress', `${at}.pathType`, 'pathType must be specified (Prefix, Exact or ImplementationSpecific)');
        else if (p.pathType !== 'ImplementationSpecific' && ingressPathProblem(String(p.path ?? ''))) add('api/ingress', `${at}.path`, `path '${p.path ?? ''}' ${ingressPathProblem(String(p.path ?? ''))}`);
        const svc = p.backend?.service;
        if (svc) {
          if (dns1035LabelProblem(String(svc.name ?? ''))) add('api/ingress', `${at}.backend.service.name`, `service name '${svc.name ?? ''}' ${dns1035LabelProblem(String(svc.name ?? ''))}`);
          const port = svc.port ?? {};
          if ((port.name === undefined) === (port.number === undefined)) add('api/ingress', `${at}.backend.service.port`, 'give exactly one of port name and port number');
        }
      });
    });
    (m.spec?.tls ?? []).forEach((t: any, i: number) => {
      for (const h of t.hosts ?? []) if (ingressHostProblem(h)) add('api/ingress', `spec.tls[${i}].hosts`, `host '${h}' ${ingressHostProblem(h)}`);
      if (t.secretName !== undefined && dnsSubdomainProblem(t.secretName)) add('api/ingress', `spec.tls[${i}].secretName`, `secretName '${t.secretName}' ${dnsSubdomainProblem(t.secretName)}`);
    });
  },
  Role: checkRules,
  ClusterRole: (m, add) => {
    if (!m.aggregationRule) checkRules(m, add);
  },
  RoleBinding: checkBinding,
  ClusterRoleBinding: checkBinding,
  PriorityClass: (m, add) => {
    const name = String(m.metadata?.name ?? '');
    if (name.startsWith('system-') && !['system-cluster-critical', 'system-node-critical'].includes(name)) add('api/priority-class', 'metadata.name', "names starting with 'system-' are reserved for the system's classes");
    else if (!name.startsWith('system-') && (typeof m.value !== 'number' || m.value > 1_000_000_000)) add('api/priority-class', 'value', `value ${m.value} is above 1000000000, the highest a user-defined priority may have`);
    if (m.preemptionPolicy !== undefined && !['PreemptLowerPriority', 'Never'].includes(m.preemptionPolicy)) add('api/priority-class', 'preemptionPolicy', `preemptionPolicy '${m.preemptionPolicy}' must be PreemptLowerPriority or Never`);
  },
};
