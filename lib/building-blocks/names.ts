/**
 * Checks for values that the API server would reject later; each error
 * names the owner, the field, the bad value and the fix.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: what names of Services, Namespaces and most objects must be. */
export function checkDnsLabel(owner: string, field: string, value: string, maxLength = 63): string {
  if (value.length === 0 || value.length > maxLength || !DNS_LABEL.test(value)) {
    throw new Error(
      `${owner}: ${field} '${value}' is not a DNS-1123 label of at most ${maxLength} characters; ` +
        'use lowercase letters, digits and dashes, starting and ending with a letter or digit',
    );
  }
  return value;
}

/** A DNS-1123 subdomain, as for ConfigMap, Secret and Ingress host names. */
export function checkDnsSubdomain(owner: string, field: string, value: string): string {
  if (value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new Error(
      `${owner}: ${field} '${value}' is not a DNS-1123 subdomain; ` +
        'use lowercase letters, digits, dashes and dots, at most 253 characters',
    );
  }
  return value;
}

/** A container port name: at most 15 characters and at least one letter. */
export function checkPortName(owner: string, value: string): string {
  if (value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    throw new Error(
      `${owner}: port name '${value}' is not a valid port name; ` +
        'use at most 15 lowercase letters, digits and single dashes, with at least one letter',
    );
  }
  return value;
}

export function checkPort(owner: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${owner}: ${field} ${value} is not a port; use a whole number from 1 to 65535`);
  }
  return value;
}

export function checkCount(owner: string, field: string, value: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new Error(`${owner}: ${field} ${value} is out of range; use a whole number ${range}`);
  }
  return value;
}

/** Joins parts into a DNS label, failing when the result is too long rather than truncating it silently. */
export function joinName(owner: string, ...parts: string[]): string {
  return checkDnsLabel(owner, 'derived name', parts.filter((p) => p.length > 0).join('-'));
}
