/**
 * Kubernetes minor releases as `'1.30'`, compared as numbers (so 1.9 < 1.30), shared by the constructs (what output
 * a minimum release allows) and the gate (which schemas to check).
 */

/** The release as [major, minor], or an error naming `owner` when it is not `major.minor`. */
export function parseKubernetesVersion(owner: string, version: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`${owner}: Kubernetes version '${version}' is not a minor release like '1.30'`);
  return [Number(m[1]), Number(m[2])];
}

/** Whether `version` is `minimum` or later. */
export function isAtLeast(version: string, minimum: string): boolean {
  const [a, b] = parseKubernetesVersion('kubernetes version', version);
  const [c, d] = parseKubernetesVersion('kubernetes version', minimum);
  return a !== c ? a > c : b >= d;
}
