/**
 * Kubernetes resource quantities ("250m", "1.5", "128Mi", "1G"), parsed so that
 * derived values (memcached -m, a JVM heap) are computed, not typed twice.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };
const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;

/** Parses a quantity to its plain number (bytes for memory, cores for cpu); throws with the owner and field. */
export function parseQuantity(owner: string, field: string, value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${owner}: ${field} ${value} is not a quantity; use a non-negative number`);
    return value;
  }
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`${owner}: ${field} '${value}' is not a Kubernetes quantity; use a form like 250m, 0.5, 512Mi or 2Gi`);
  }
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return number * BINARY[suffix];
  if (suffix in DECIMAL) return number * DECIMAL[suffix];
  return number * 10 ** Number(suffix.slice(1));
}

/** Memory in whole MiB, rounded down. */
export function toMebibytes(owner: string, field: string, value: string): number {
  return Math.floor(parseQuantity(owner, field, value) / BINARY.Mi);
}

/** CPU in millicores. */
export function toMillicores(owner: string, field: string, value: string): number {
  return Math.round(parseQuantity(owner, field, value) * 1000);
}
