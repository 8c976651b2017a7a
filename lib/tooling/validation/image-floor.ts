/**
 * Minimum patched versions: an image of the catalogue older than the release
 * that fixed a known vulnerability is refused, with the CVE named. One row per
 * vulnerability; `fixed` lists the first fixed release of each release line
 * (major.minor) that got one. A version is refused when its own line has a
 * later fixed release, or when its line got no fix and is older than the
 * newest line that did (an end-of-life line). Lines newer than every fixed
 * release carry the fix. Where each row comes from is in `source`.
 *
 * Tags are read as versions (`v0.15.3`, `8.0.26-noble` → 8.0.26); an image
 * pinned by digest alone carries no version and is not judged here.
 */
import { ManifestRecord } from '../manifest/manifest';
import { allContainers, join, PodTemplateRef } from '../manifest/pods';
import { Finding, finding } from './finding';

export interface ImageFloor {
  /** Repository as written in manifests, without `docker.io/` or `library/`. */
  readonly repository: string;
  /** First fixed release per release line. */
  readonly fixed: readonly string[];
  /** The CVE and what it allows. */
  readonly cve: string;
  /** Where the fixed versions were read. */
  readonly source: string;
}

export const IMAGE_FLOORS: readonly ImageFloor[] = [
  {
    repository: 'mongo',
    fixed: ['4.4.30', '5.0.32', '6.0.27', '7.0.28', '8.0.17', '8.2.3'],
    cve: 'CVE-2025-14847 (MongoBleed: unauthenticated heap memory disclosure through zlib-compressed messages)',
    source: 'docker-library/mongo 757120238 "Update 8.0 to 8.0.17", 4c52061d1 (8.2.3), 005cf5957 (7.0.28), 6674f2b07 (6.0.27), f91923968 (4.4.30, 5.0.32)',
  },
  {
    repository: 'rocketchat/rocket.chat',
    fixed: ['6.10.0'],
    cve: 'CVE-2024-37405',
    source: 'RocketChat/Rocket.Chat#32787: the 6.10.0 "Security Hotfix" (#32690) fixes CVE-2024-37405',
  },
  {
    repository: 'memcached',
    fixed: ['1.6.22'],
    cve: 'CVE-2023-46852 (buffer overflow in proxy-mode multiget)',
    source: 'memcached 1.6.22 release notes',
  },
  {
    repository: 'prom/memcached-exporter',
    fixed: ['0.14.4'],
    cve: 'CVE-2023-45288 (HTTP/2 CONTINUATION flood in the metrics server)',
    source: 'prometheus/memcached_exporter#218, CHANGELOG 0.14.4',
  },
  {
    repository: 'fluent/fluent-bit',
    fixed: ['3.0.4'],
    cve: 'CVE-2024-4323 (Linguistic Lumberjack: heap overflow in the HTTP server trace API)',
    source: 'fluent/helm-charts#507, fluent/fluent-bit#8849',
  },
  {
    repository: 'fluent/fluent-bit',
    fixed: ['4.1.1'],
    cve: 'CVE-2025-12977 (tag_key injection in the http, splunk and elasticsearch inputs)',
    source: 'fluentbit.io blog 2025-10-28 "Security vulnerabilities addressed in Fluent Bit v4.1"; fluent/fluent-bit#11230 (the 4.0 backport is unclear)',
  },
  {
    repository: 'apache/kafka',
    fixed: ['3.9.1'],
    cve: 'CVE-2025-27817 (arbitrary file read and SSRF through SASL/OAUTHBEARER client settings)',
    source: 'Apache Kafka 3.9.1 and 4.0.0 security notes',
  },
  {
    repository: 'curlimages/curl',
    fixed: ['8.4.0'],
    cve: 'CVE-2023-38545 (SOCKS5 heap buffer overflow)',
    source: 'curl 8.4.0 release notes; stefanprodan/podinfo#310 rebuilt for it',
  },
  {
    repository: 'ghcr.io/stefanprodan/podinfo',
    fixed: ['6.12.0'],
    cve: 'CVE-2026-43644',
    source: 'stefanprodan/podinfo#488 "Release 6.12.0: Fix: CVE-2026-43644"',
  },
];

type Version = readonly number[];

/** The numeric version at the start of a tag, or undefined (a digest-only or named tag). */
export function tagVersion(tag: string): Version | undefined {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(tag);
  return m ? m[1].split('.').map(Number) : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const line = (v: Version) => `${v[0]}.${v[1] ?? 0}`;

/** Why `version` is below `floor`, or undefined when it carries the fix. */
export function belowFloor(version: Version, floor: ImageFloor): string | undefined {
  const fixed = floor.fixed.map((f) => tagVersion(f)!);
  const sameLine = fixed.find((f) => line(f) === line(version));
  if (sameLine) return compare(version, sameLine) < 0 ? `fixed in ${sameLine.join('.')}` : undefined;
  const newest = fixed.reduce((a, b) => (compare(a, b) > 0 ? a : b));
  if (compare(version, newest) > 0) return undefined;
  const later = fixed.filter((f) => compare(f, version) > 0).sort(compare)[0];
  return `the ${line(version)} line got no fix; use ${later.join('.')} or later`;
}

/** `repository` and `tag` of an image reference, with Docker Hub's implicit prefixes removed. */
export function parseImage(image: string): { repository: string; tag?: string } {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  let repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  repository = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  return { repository, tag: hasTag ? withoutDigest.slice(colon + 1) : undefined };
}

export function checkImageFloors(pods: readonly PodTemplateRef[], floors: readonly ImageFloor[] = IMAGE_FLOORS): Finding[] {
  const out: Finding[] = [];
  for (const pod of pods) {
    for (const { container, field } of allContainers(pod.spec)) {
      const { repository, tag } = parseImage(container.image ?? '');
      const version = tag ? tagVersion(tag) : undefined;
      if (!version) continue;
      for (const floor of floors.filter((f) => f.repository === repository)) {
        const why = belowFloor(version, floor);
        if (why) out.push(imageFinding(pod.record, join(join(pod.path, 'spec'), `${field}.image`), container.image!, floor, why));
      }
    }
  }
  return out;
}

function imageFinding(record: ManifestRecord, field: string, image: string, floor: ImageFloor, why: string): Finding {
  return finding(record, 'images/patched', field, `image '${image}' is affected by ${floor.cve}; ${why}`);
}
