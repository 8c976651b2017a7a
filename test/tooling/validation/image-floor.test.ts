/**
 * Minimum patched versions: per release line, end-of-life lines, newer lines, tag forms; every image the catalogue
 * ships is at or above its floors, and every repository of the table has a failing fixture.
 */
import * as fs from 'fs';
import * as path from 'path';
import { belowFloor, IMAGE_FLOORS, parseImage, tagVersion } from '../../../lib/tooling/validation/image-floor';
import { catalogue } from '../../../apps/catalogue';
import { Environment } from '../../../lib/building-blocks/environment';
import { synthCatalogue } from '../../helpers';

const mongo = IMAGE_FLOORS.find((f) => f.repository === 'mongo')!;
const verdict = (tag: string) => belowFloor(tagVersion(tag)!, mongo);

describe('image floors', () => {
  test('a release line is judged by its own fixed release', () => {
    expect(verdict('8.0.4')).toBe('fixed in 8.0.17');
    expect(verdict('8.0.16')).toBe('fixed in 8.0.17');
    expect(verdict('8.0.17')).toBeUndefined();
    expect(verdict('8.0.26')).toBeUndefined();
    expect(verdict('7.0.27')).toBe('fixed in 7.0.28');
    expect(verdict('7.0.28')).toBeUndefined();
  });

  test('a line that got no fix is refused when older than the newest fixed line; newer lines carry the fix', () => {
    expect(verdict('7.3.4')).toBe('the 7.3 line got no fix; use 8.0.17 or later');
    expect(verdict('4.2.25')).toBe('the 4.2 line got no fix; use 4.4.30 or later');
    expect(verdict('8.3.4')).toBeUndefined();
    expect(verdict('9.0.0')).toBeUndefined();
  });

  test('tags are read as versions; Docker Hub prefixes are dropped', () => {
    expect(tagVersion('v0.15.3')).toEqual([0, 15, 3]);
    expect(tagVersion('8.0.26-noble')).toEqual([8, 0, 26]);
    expect(tagVersion('latest')).toBeUndefined();
    expect(parseImage('docker.io/library/mongo:8.0.4')).toEqual({ repository: 'mongo', tag: '8.0.4' });
    expect(parseImage('ghcr.io/stefanprodan/podinfo:6.7.1@sha256:' + 'a'.repeat(64))).toEqual({ repository: 'ghcr.io/stefanprodan/podinfo', tag: '6.7.1' });
    expect(parseImage('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', tag: undefined });
  });

  test('every image the catalogue ships is at or above its floors, in both environments', () => {
    for (const env of [Environment.LOCAL, Environment.PRODUCTION]) {
      const images = synthCatalogue(catalogue, env).flatMap((r: any) => JSON.stringify(r.manifest).match(/"image":"[^"]+"/g) ?? []);
      expect(images.length).toBeGreaterThan(0);
      for (const ref of new Set(images)) {
        const image = JSON.parse(`{${ref}}`).image as string;
        const { repository, tag } = parseImage(image);
        for (const floor of IMAGE_FLOORS.filter((f) => f.repository === repository)) expect([image, belowFloor(tagVersion(tag!)!, floor)]).toEqual([image, undefined]);
      }
    }
  });

  test('every repository of the table has a failing fixture that names its CVE', () => {
    const dir = path.join(__dirname, '..', '..', 'fixtures', 'validation', 'fail');
    const headers = fs.readdirSync(dir).filter((f) => f.startsWith('image-unpatched-')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n')[0]);
    for (const floor of IMAGE_FLOORS) {
      const cve = floor.cve.split(' ')[0];
      const covered = headers.some((h) => h.includes(`| image '${floor.repository}:`) && h.includes(`is affected by ${cve}`));
      expect([floor.repository, cve, covered]).toEqual([floor.repository, cve, true]);
    }
  });
});
