/**
 * The shared formats against examples from Kubernetes' own validation tests and messages
 * (apimachinery/pkg/util/validation: IsDNS1123Label, IsValidPortName, IsEnvVarName, IsQualifiedName; quantity.go),
 * and the constructs' checks refusing exactly what the gate refuses.
 */
import { checkDnsLabel, checkEnvName, checkPortName } from '../../lib/building-blocks/names';
import {
  dns1035LabelProblem,
  dnsLabelProblem,
  envVarNameProblem,
  labelValueProblem,
  portNameProblem,
  qualifiedNameProblem,
  quantityProblem,
  relaxedEnvVarNameProblem,
} from '../../lib/vocabulary/formats';

const ok = (f: (v: string) => string | undefined, values: string[]) => expect(values.filter((v) => f(v) !== undefined)).toEqual([]);
const bad = (f: (v: string) => string | undefined, values: string[]) => expect(values.filter((v) => f(v) === undefined)).toEqual([]);

test('DNS labels and DNS-1035 labels', () => {
  ok(dnsLabelProblem, ['a', 'my-name', '123-abc', 'a'.repeat(63)]);
  bad(dnsLabelProblem, ['', 'Foo', 'a.b', '-a', 'a-', 'a_b', 'a'.repeat(64)]);
  expect(dnsLabelProblem('a.b')).toBe('must not contain dots');
  ok(dns1035LabelProblem, ['my-name', 'abc-123']);
  bad(dns1035LabelProblem, ['1abc', '123-abc', 'a.b']);
});

test('port names (IANA_SVC_NAME)', () => {
  ok(portNameProblem, ['http', 'h-t-t-p', 'a1', 'metrics']);
  bad(portNameProblem, ['http_1', 'a--b', '-http', 'http-', '1234', 'HTTP', 'a'.repeat(16)]);
});

test('env names: 1.27 strict, 1.36 relaxed', () => {
  ok(envVarNameProblem, ['my.env-name', 'MY_ENV.NAME', 'MyEnvName1', '_X', '-x']);
  bad(envVarNameProblem, ['1A', 'A B', '.', '..', '..x', 'A=B', '']);
  expect(relaxedEnvVarNameProblem('A B')).toBeUndefined();
  expect(relaxedEnvVarNameProblem('A=B')).toBeDefined();
});

test('label keys and values, quantities', () => {
  ok(qualifiedNameProblem, ['app.kubernetes.io/name', 'MyName', 'my.name', '123-abc', 'example.com/a_b']);
  bad(qualifiedNameProblem, ['/a', 'a/', 'a/b/c', 'Example.COM/x', '-a', 'a'.repeat(64)]);
  ok(labelValueProblem, ['', 'MyValue', 'my_value', '12345', '1.0.0']);
  bad(labelValueProblem, ['-a', 'a b', 'a'.repeat(64)]);
  ok(quantityProblem, ['250m', '1.5', '.5', '1e3', '128Mi', '2Gi', '+1', '1.', '100n']);
  bad(quantityProblem, ['1 GB', '256MB', 'Mi', '', '1.5.5', 'ten']);
});

test('the constructs refuse exactly what the gate refuses', () => {
  for (const v of ['my-name', 'Foo', 'a.b', '-a', 'a'.repeat(64)]) expect(dnsLabelProblem(v) !== undefined).toBe(throws(() => checkDnsLabel('x', 'name', v)));
  for (const v of ['http', 'http_1', 'a--b', '1234']) expect(portNameProblem(v) !== undefined).toBe(throws(() => checkPortName('x', v)));
  for (const v of ['LOG_LEVEL', 'LOG LEVEL', '1A', 'my.env']) expect(envVarNameProblem(v) !== undefined).toBe(throws(() => checkEnvName('x', v)));
});

function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}
