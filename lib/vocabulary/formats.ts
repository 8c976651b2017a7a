/**
 * The value formats the Kubernetes API server checks, shared by the constructs (at the point of input) and by
 * the gate (on any YAML), so both refuse exactly the same values. Each function returns why a value is refused,
 * or undefined when it is fine. Ported from kubernetes/kubernetes
 * `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go` (IsDNS1123Label, IsDNS1123Subdomain,
 * IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName, IsEnvVarName, IsRelaxedEnvVarName,
 * IsConfigMapKey, IsWildcardDNS1123Subdomain) and `pkg/api/resource/quantity.go` (the quantity grammar).
 */

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL = new RegExp(`^${LABEL_FMT}$`);
const DNS_SUBDOMAIN = new RegExp(`^${LABEL_FMT}(\\.${LABEL_FMT})*$`);
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `<signedNumber><suffix>`: binary (Ki..Ei), decimal (n u m "" k M G T P E) or an exponent (quantity.go). */
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

export const MAX_DNS_LABEL = 63;
export const MAX_DNS_SUBDOMAIN = 253;
/** `batch/validation.ValidateCronJobCreate`: the controller appends an 11-character suffix to a CronJob's Jobs. */
export const MAX_CRONJOB_NAME = 52;
/** core.MaxSecretSize: the data of a ConfigMap or Secret (core ValidateConfigMap, ValidateSecret). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** `apimachinery/pkg/api/validation/objectmeta.go` TotalAnnotationSizeLimitB. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** A DNS-1123 label (Namespace, StatefulSet, container, volume and port-less object names). */
export function dnsLabelProblem(value: string, maxLength = MAX_DNS_LABEL): string | undefined {
  if (value.length > maxLength) return `must be no more than ${maxLength} characters`;
  if (!DNS_LABEL.test(value)) {
    return DNS_SUBDOMAIN.test(value) ? 'must not contain dots' : 'must be a DNS-1123 label: lowercase letters, digits and dashes, starting and ending with a letter or digit';
  }
  return undefined;
}

/** A DNS-1123 subdomain (ConfigMap, Secret, Deployment, Ingress names; hosts). */
export function dnsSubdomainProblem(value: string, maxLength = MAX_DNS_SUBDOMAIN): string | undefined {
  if (value.length > maxLength) return `must be no more than ${maxLength} characters`;
  if (!DNS_SUBDOMAIN.test(value)) return 'must be a DNS-1123 subdomain: lowercase letters, digits, dashes and dots, starting and ending with a letter or digit';
  return undefined;
}

/** A Service name: a DNS-1035 label, which starts with a letter. */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length > MAX_DNS_LABEL) return `must be no more than ${MAX_DNS_LABEL} characters`;
  if (!DNS_1035.test(value)) return 'must be a DNS-1035 label: lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit';
  return undefined;
}

/** `*.example.com`: a wildcard followed by a subdomain. */
export function wildcardSubdomainProblem(value: string): string | undefined {
  if (!value.startsWith('*.')) return "a wildcard host must start with '*.' followed by a DNS-1123 subdomain";
  return dnsSubdomainProblem(value.slice(2), MAX_DNS_SUBDOMAIN - 2);
}

/**
 * A pure check of strings that repeat in every object (label keys and values, annotation keys), remembered: at 1,000
 * services the gate asked the same few dozen questions 60,000 times. Bounded, so a long-lived watcher cannot grow it.
 */
function remembered(check: (value: string) => string | undefined): (value: string) => string | undefined {
  const answers = new Map<string, string | undefined>();
  return (value) => {
    if (answers.has(value)) return answers.get(value);
    if (answers.size >= 10_000) answers.clear();
    const answer = check(value);
    answers.set(value, answer);
    return answer;
  };
}

/** A label key or annotation key: `[prefix/]name`, prefix a subdomain, name at most 63 characters. */
export const qualifiedNameProblem = remembered((value: string): string | undefined => {
  const parts = value.split('/');
  let name = value;
  if (parts.length === 2) {
    const [prefix] = parts;
    name = parts[1];
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const p = dnsSubdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  } else if (parts.length > 2) {
    return "must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/my-name')";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > MAX_DNS_LABEL) return `name part must be no more than ${MAX_DNS_LABEL} characters`;
  if (!QUALIFIED_NAME_PART.test(name)) return "name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit";
  return undefined;
});

/** A label value: empty, or a name part of at most 63 characters. */
export const labelValueProblem = remembered((value: string): string | undefined => {
  if (value.length > MAX_DNS_LABEL) return `must be no more than ${MAX_DNS_LABEL} characters`;
  if (value.length > 0 && !QUALIFIED_NAME_PART.test(value)) {
    return "must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit";
  }
  return undefined;
});

/** IANA_SVC_NAME, the format of container port names and named target ports. */
export function portNameProblem(value: string): string | undefined {
  if (value.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(value)) return 'must contain only lowercase letters, digits and dashes';
  if (!/[a-z]/.test(value)) return 'must contain at least one letter';
  if (value.includes('--')) return 'must not contain consecutive dashes';
  if (value.startsWith('-') || value.endsWith('-')) return 'must not begin or end with a dash';
  return undefined;
}

/** A port number from 1 to 65535. */
export function portNumberProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : 'must be a whole number from 1 to 65535';
}

function chDirProblem(value: string): string | undefined {
  if (value === '.') return "must not be '.'";
  if (value === '..') return "must not be '..'";
  if (value.startsWith('..')) return "must not start with '..'";
  return undefined;
}

/**
 * An environment variable name as Kubernetes 1.27 accepts it (IsEnvVarName); 1.32 and later accept any printable
 * ASCII but '=' (IsRelaxedEnvVarName, RelaxedEnvironmentVariableValidation beta in 1.32, GA in 1.34), so the
 * oldest validated version decides.
 */
export function envVarNameProblem(value: string): string | undefined {
  if (!ENV_NAME.test(value)) {
    return "must consist of letters, digits, '_', '-' or '.', and must not start with a digit (Kubernetes 1.27 refuses it; 1.32+ accept more)";
  }
  return chDirProblem(value);
}

/** The 1.36 rule, for reports that name the version. */
export function relaxedEnvVarNameProblem(value: string): string | undefined {
  if (value.length === 0) return 'must be non-empty';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (code < 32 || code > 126 || ch === '=') return "must consist only of printable ASCII characters other than '='";
  }
  return undefined;
}

/** A key of a ConfigMap or Secret (IsConfigMapKey). */
export function configKeyProblem(value: string): string | undefined {
  if (value.length > MAX_DNS_SUBDOMAIN) return `must be no more than ${MAX_DNS_SUBDOMAIN} characters`;
  if (!CONFIG_KEY.test(value)) return "must consist of letters, digits, '-', '_' or '.'";
  return chDirProblem(value);
}

/** A C identifier, e.g. what a shell can expand as `$NAME`. */
export function cIdentifierProblem(value: string): string | undefined {
  return C_IDENTIFIER.test(value) ? undefined : "must be a C identifier: letters, digits and '_', not starting with a digit";
}

/** A resource quantity (`250m`, `1.5`, `128Mi`, `1e3`); numbers are quantities too. */
export function quantityProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  if (typeof value !== 'string') return `must be a quantity (a string such as 250m or 512Mi), not ${typeof value}`;
  return QUANTITY.test(value) ? undefined : 'must be a quantity such as 250m, 0.5, 512Mi or 2Gi';
}

/** An absolute path without '..' elements, as a mount path must be to mean what it says. */
export function absolutePathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return "must be an absolute path (start with '/')";
  if (value.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

/** A relative path inside a volume (subPath, items[].path): no leading '/', no '..' element. */
export function relativePathProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'must be a relative path';
  if (value.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

/** The names RBAC objects (and other path-segment names) may take. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/')) return "may not contain '/'";
  if (value.includes('%')) return "may not contain '%'";
  return undefined;
}

/** An Ingress path of pathType Prefix or Exact (networking validateHTTPIngressPath). */
export function ingressPathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must be an absolute path';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (value.includes(bad)) return `must not contain '${bad}'`;
  for (const bad of ['/..', '/.']) if (value.endsWith(bad)) return `must not end with '${bad}'`;
  return undefined;
}

/** An Ingress rule host: a DNS subdomain or a wildcard, never an IP address. */
export function ingressHostProblem(value: string): string | undefined {
  if (/^[0-9.]+$/.test(value) || value.includes(':')) return 'must be a DNS name, not an IP address';
  return value.startsWith('*') ? wildcardSubdomainProblem(value) : dnsSubdomainProblem(value);
}
