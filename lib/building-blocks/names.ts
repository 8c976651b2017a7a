/**
 * Checks for values that the API server would reject later; each error
 * names the owner, the field, the bad value and the fix. The formats are the
 * gate's (lib/vocabulary/formats.ts), so a construct and the gate refuse the same values.
 */
import {
  absolutePathProblem,
  dns1035LabelProblem,
  dnsLabelProblem,
  dnsSubdomainProblem,
  envVarNameProblem,
  MAX_DNS_LABEL,
  portNameProblem,
  portNumberProblem,
} from '../vocabulary/formats';

/** A DNS-1123 label: what names of Namespaces, containers, volumes and most objects must be. */
export function checkDnsLabel(owner: string, field: string, value: string, maxLength = MAX_DNS_LABEL): string {
  const problem = typeof value === 'string' ? dnsLabelProblem(value, maxLength) : 'must be a string';
  if (problem || value.length === 0) {
    throw new Error(
      `${owner}: ${field} '${value}' is not a DNS-1123 label of at most ${maxLength} characters (${problem ?? 'must not be empty'}); ` +
        'use lowercase letters, digits and dashes, starting and ending with a letter or digit',
    );
  }
  return value;
}

/** A DNS-1035 label (starts with a letter): what Service names must be. */
export function checkDns1035Label(owner: string, field: string, value: string): string {
  const problem = dns1035LabelProblem(value);
  if (problem) throw new Error(`${owner}: ${field} '${value}' ${problem}`);
  return value;
}

/** A DNS-1123 subdomain, as for ConfigMap, Secret and Ingress host names. */
export function checkDnsSubdomain(owner: string, field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || dnsSubdomainProblem(value)) {
    throw new Error(
      `${owner}: ${field} '${value}' is not a DNS-1123 subdomain; ` +
        'use lowercase letters, digits, dashes and dots, at most 253 characters',
    );
  }
  return value;
}

/** A container port name (IANA_SVC_NAME): at most 15 characters and at least one letter. */
export function checkPortName(owner: string, value: string): string {
  const problem = portNameProblem(value);
  if (problem) {
    throw new Error(
      `${owner}: port name '${value}' is not a valid port name (${problem}); ` +
        'use at most 15 lowercase letters, digits and single dashes, with at least one letter',
    );
  }
  return value;
}

/** A port number from 1 to 65535. */
export function checkPort(owner: string, field: string, value: number): number {
  if (portNumberProblem(value)) {
    throw new Error(`${owner}: ${field} ${value} is not a port; use a whole number from 1 to 65535`);
  }
  return value;
}

/** A whole number from min to max. */
export function checkCount(owner: string, field: string, value: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new Error(`${owner}: ${field} ${value} is out of range; use a whole number ${range}`);
  }
  return value;
}

/** An environment variable name the oldest validated Kubernetes (1.27) accepts. */
export function checkEnvName(owner: string, name: string): string {
  const problem = envVarNameProblem(name);
  if (problem) throw new Error(`${owner}: env name '${name}' ${problem}; use e.g. LOG_LEVEL`);
  return name;
}

/** A path inside the container: absolute, without '..'. */
export function checkAbsolutePath(owner: string, field: string, value: string): string {
  const problem = absolutePathProblem(value);
  if (problem) throw new Error(`${owner}: ${field} '${value}' ${problem}; use e.g. /var/cache/app`);
  return value;
}

/** Joins parts into a DNS label, failing when the result is too long rather than truncating it silently. */
export function joinName(owner: string, ...parts: string[]): string {
  return checkDnsLabel(owner, 'derived name', parts.filter((p) => p.length > 0).join('-'));
}
