import { Check, checkProps, nearest, PropsSpec } from '../../lib/building-blocks/check-props';

interface DemoProps {
  readonly name: string;
  readonly size?: string;
  readonly ports?: readonly { readonly name: string; readonly port: number }[];
  readonly replicas?: number | { readonly local: number; readonly production: number };
}

const spec: PropsSpec<DemoProps> = {
  name: Check.required(Check.nonEmptyString),
  size: Check.quantity,
  ports: Check.array(Check.object<{ name: string; port: number }>({ name: Check.required(Check.string), port: Check.required(Check.port) })),
  replicas: Check.either(Check.integer(0, 10), Check.record(Check.integer(0, 10))),
};

const run = (props: unknown) => () => checkProps<DemoProps>("demo 'x'", props as DemoProps, spec);

describe('checkProps', () => {
  test('accepts valid props, with optional ones left out', () => {
    expect(run({ name: 'a' })).not.toThrow();
    expect(run({ name: 'a', size: '1Gi', ports: [{ name: 'http', port: 80 }], replicas: { local: 1, production: 3 } })).not.toThrow();
  });

  test('refuses unknown props with the nearest known name, also in nested objects', () => {
    expect(run({ name: 'a', sise: '1Gi' })).toThrow("demo 'x': prop 'sise' is unknown; did you mean 'size'?");
    expect(run({ name: 'a', colour: 'red' })).toThrow("demo 'x': prop 'colour' is unknown; known props: name, size, ports, replicas");
    expect(run({ name: 'a', ports: [{ name: 'http', prot: 80 }] })).toThrow("demo 'x': prop 'ports[0].prot' is unknown; did you mean 'ports[0].port'?");
  });

  test('refuses missing required props and wrong shapes with the path', () => {
    expect(run({})).toThrow("demo 'x': name is required");
    expect(run({ name: 'a', size: '1 GB' })).toThrow("demo 'x': size '1 GB' must be a quantity");
    expect(run({ name: 'a', ports: [{ name: 'http', port: 70000 }] })).toThrow("demo 'x': ports[0].port 70000 is out of range; use a whole number from 1 to 65535");
    expect(run({ name: 'a', replicas: { local: 'one', production: 3 } })).toThrow("demo 'x': replicas.local is a string; expected a whole number");
    expect(run('name')).toThrow("demo 'x': props is a string; expected an object");
  });

  test('never prints a wrongly typed value', () => {
    expect(run({ name: 12345678 })).toThrow("demo 'x': name is a number; expected a string");
  });

  test('the spec must list every prop, and mark exactly the required ones', () => {
    // @ts-expect-error: 'replicas' is missing
    const missing: PropsSpec<DemoProps> = { name: Check.required(Check.string), size: Check.quantity, ports: Check.any };
    // @ts-expect-error: 'name' is required, so its check must be Check.required(...)
    const optionalName: PropsSpec<DemoProps> = { ...spec, name: Check.string };
    // @ts-expect-error: 'size' is optional, so its check must not be required
    const requiredSize: PropsSpec<DemoProps> = { ...spec, size: Check.required(Check.quantity) };
    expect([missing, optionalName, requiredSize]).toHaveLength(3);
  });

  test('nearest suggests only close names', () => {
    expect(nearest('ingresHost', ['ingressHost', 'image'])).toBe('ingressHost');
    expect(nearest('writeablePaths', ['writablePaths', 'env'])).toBe('writablePaths');
    expect(nearest('colour', ['name', 'size'])).toBeUndefined();
  });
});
