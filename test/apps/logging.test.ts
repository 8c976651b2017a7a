import { logging } from '../../apps/logging/app';
import { Environment } from '../../lib/building-blocks/environment';
import { ContainerImage } from '../../lib/building-blocks/image';
import { BackendTls, LogBackend, LogShipper } from '../../lib/workloads/log-shipper';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';
import { makePlan, planExitCode } from '../../lib/tooling/plan/plan';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { PodSecurityLevel } from '../../lib/vocabulary/pod-security-level';
import { Volume } from '../../lib/building-blocks/volumes';
import { Workload, WorkloadKind } from '../../lib/building-blocks/workload';
import { validateManifests } from '../../lib/tooling/validation';
import { assertRestricted, assertSelectorsMatch } from '../../lib/testing';
import { find, findAll, findingsOf, manifests, synthApps, synthChart } from '../helpers';

describe('logging app', () => {
  const records = synthApps([logging], Environment.PRODUCTION);

  test('passes the gate with its exemption, which the synth prints with the reason', () => {
    expect(findingsOf(records, Environment.PRODUCTION)).toEqual([]);
    assertRestricted(records);
    assertSelectorsMatch(records);
    const { exemptions } = validateManifests(records, { requireSpread: true });
    expect(exemptions).toHaveLength(1);
    expect(exemptions[0]).toMatchObject({ namespace: 'logging', level: 'privileged' });
    expect(exemptions[0].reason).toContain('hostPath');
    expect(exemptions[0].reason).toContain('read-write hostPath /var/lib/fluent-bit/logging-fluent-bit');
    expect(manifests(records)).toMatchSnapshot();
  });

  test('its RBAC is exactly get/list/watch on pods and namespaces, bound to its own ServiceAccount', () => {
    expect(find(records, 'ClusterRole', 'logging-fluent-bit').rules).toEqual([{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find(records, 'ClusterRoleBinding', 'logging-fluent-bit');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'fluent-bit', namespace: 'logging' }]);
    expect(binding.roleRef.name).toBe('logging-fluent-bit');
    expect(find(records, 'ServiceAccount', 'fluent-bit').automountServiceAccountToken).toBe(true);
  });

  test('reads both log folders read-only, writes only its state folder, tolerates every taint, has a priority class, probes and hashed config', () => {
    const pod = find(records, 'DaemonSet', 'fluent-bit').spec.template;
    expect(pod.spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path).sort()).toEqual(['/var/lib/fluent-bit/logging-fluent-bit', '/var/log/containers', '/var/log/pods']);
    const mounts = pod.spec.containers[0].volumeMounts.filter((m: any) => m.mountPath.startsWith('/var/log'));
    expect(mounts.every((m: any) => m.readOnly === true)).toBe(true);
    expect(pod.spec.containers[0].volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath)).toEqual(['/var/lib/fluent-bit']);
    expect(pod.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    const priority = findAll(records, 'PriorityClass');
    expect(priority.map((p) => [p.metadata.name, p.value])).toEqual([[pod.spec.priorityClassName, 1000000]]);
    expect(pod.spec.priorityClassName).toMatch(/^logging-fluent-bit-[0-9a-f]{8}$/);
    expect(pod.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 'http' });
    expect(pod.metadata.annotations['shipshape.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(pod.spec.containers[0].securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(find(records, 'ConfigMap', 'fluent-bit-config').data['fluent-bit.conf']).toContain('Exclude_Path /var/log/containers/*_logging_*.log');
  });

  test('a backend adds its output and egress to it only', () => {
    const loki = synthChart((c) => new LogShipper(c, 'shipper', { backend: LogBackend.loki({ host: 'loki.monitoring.svc.cluster.local', peer: NetworkPeers.namespace('monitoring') }) }), Environment.LOCAL, {
      podSecurity: { level: PodSecurityLevel.PRIVILEGED, reason: 'reads node logs through hostPath' },
    });
    expect(find(loki, 'ConfigMap', 'shipper-config').data['fluent-bit.conf']).toContain('    Name loki\n    Match kube.*\n    Host loki.monitoring.svc.cluster.local\n    Port 3100');
    expect(find(loki, 'NetworkPolicy', 'shipper').spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 3100, protocol: 'TCP' }] });
  });

  test('nothing else gets host paths or root: both are refused without a lowered namespace level', () => {
    const base = { identity: { name: 'x', instance: 'x', component: 'x' }, kind: WorkloadKind.DAEMON_SET };
    const container = { name: 'x', resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) } };
    expect(() => synthChart((c) => new Workload(c, 'x', { ...base, volumes: [Volume.hostPath('logs', '/var/log')], containers: [{ ...container, image: ContainerImage.of('busybox:1.37.0') }] }))).toThrow(
      "x 'x': volume 'logs' is a hostPath, which only Pod Security 'privileged' allows; give the app podSecurity privileged with a reason",
    );
    expect(() => synthChart((c) => new Workload(c, 'x', { ...base, containers: [{ ...container, image: ContainerImage.of('busybox:1.37.0', { runsAsRoot: true }) }] }))).toThrow(
      "x 'x' container 'x': runs as root, which Pod Security 'restricted' forbids",
    );
  });
});

/** fluent-bit's classic config: `[SECTION]` lines, then indented `Key value` lines. */
function parseClassic(text: string): { section: string; entries: [string, string][] }[] {
  const sections: { section: string; entries: [string, string][] }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header) {
      sections.push({ section: header[1], entries: [] });
      continue;
    }
    const entry = /^ {4}(\S+) (\S.*)$/.exec(line);
    if (!entry || sections.length === 0) throw new Error(`line ${i + 1} is neither a section nor an indented key and value: ${JSON.stringify(line)}`);
    sections[sections.length - 1].entries.push([entry[1], entry[2]]);
  }
  return sections;
}

// Keys of the config maps of fluent-bit 4.1.1, the image, (lower case, as prop_key_check compares them): src/flb_config.c and
// include/fluent-bit/flb_config.h for [SERVICE]; src/flb_input.c, plugins/in_tail/tail.c; filter_kubernetes;
// src/flb_output.c (retry_limit, storage.total_limit_size, tls.*, host/port of network outputs), out_loki, out_es, out_stdout.
const KNOWN_KEYS: Record<string, string[]> = {
  SERVICE: ['flush', 'log_level', 'parsers_file', 'http_server', 'http_listen', 'http_port', 'health_check', 'storage.path', 'storage.sync', 'storage.max_chunks_up', 'storage.backlog.mem_limit'],
  'INPUT tail': ['name', 'tag', 'path', 'exclude_path', 'multiline.parser', 'db', 'db.locking', 'read_from_head', 'storage.type', 'skip_long_lines', 'refresh_interval'],
  'FILTER kubernetes': ['name', 'match', 'kube_url', 'kube_tag_prefix', 'merge_log', 'keep_log', 'k8s-logging.parser', 'k8s-logging.exclude'],
  'OUTPUT stdout': ['name', 'match', 'format'],
  'OUTPUT loki': ['name', 'match', 'host', 'port', 'labels', 'line_format', 'retry_limit', 'storage.total_limit_size'],
  'OUTPUT es': ['name', 'match', 'host', 'port', 'logstash_format', 'suppress_type_name', 'replace_dots', 'trace_error', 'tls', 'tls.verify', 'tls.ca_file', 'http_user', 'http_passwd', 'retry_limit', 'storage.total_limit_size'],
};

/** Parses the rendered config and checks every key and every ${VAR} against the container that runs it. */
function checkConfig(records: ManifestRecord[], configMap: string): { section: string; entries: [string, string][] }[] {
  const sections = parseClassic(find(records, 'ConfigMap', configMap).data['fluent-bit.conf']);
  expect(sections.map((s) => s.section)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT']);
  const container = findAll(records, 'DaemonSet')[0].spec.template.spec.containers[0];
  const env = new Map<string, any>((container.env ?? []).map((e: any) => [e.name, e]));
  for (const s of sections) {
    const name = s.entries.find(([k]) => k.toLowerCase() === 'name')?.[1];
    const known = KNOWN_KEYS[s.section === 'SERVICE' ? 'SERVICE' : `${s.section} ${name}`];
    expect(known).toBeDefined();
    for (const [key, value] of s.entries) {
      expect([s.section, name, key, known.includes(key.toLowerCase())]).toEqual([s.section, name, key, true]);
      for (const [, variable] of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        expect([variable, env.has(variable)]).toEqual([variable, true]);
        expect(env.get(variable).valueFrom?.secretKeyRef).toBeDefined();
      }
    }
    const keys = s.entries.map(([k]) => k.toLowerCase());
    expect(new Set(keys).size).toBe(keys.length);
  }
  return sections;
}

const valueOf = (sections: { section: string; entries: [string, string][] }[], section: string, key: string) =>
  sections.find((s) => s.section === section)?.entries.find(([k]) => k === key)?.[1];

describe('log shipping survives rollouts and backend restarts (issue 17, item 5)', () => {
  const records = synthApps([logging], Environment.PRODUCTION);
  const pod = find(records, 'DaemonSet', 'fluent-bit').spec.template;

  test('the config parses, uses only keys fluent-bit 4.1.1 knows, and keeps offsets and buffer on the node', () => {
    const sections = checkConfig(records, 'fluent-bit-config');
    expect(valueOf(sections, 'INPUT', 'DB')).toBe('/var/lib/fluent-bit/tail.db');
    expect(valueOf(sections, 'INPUT', 'Read_from_Head')).toBe('On');
    expect(valueOf(sections, 'INPUT', 'storage.type')).toBe('filesystem');
    expect(valueOf(sections, 'INPUT', 'multiline.parser')).toBe('cri');
    expect(valueOf(sections, 'SERVICE', 'storage.path')).toBe('/var/lib/fluent-bit/storage/');
    const state = pod.spec.volumes.find((v: any) => v.hostPath?.path?.startsWith('/var/lib/fluent-bit'));
    expect(state.hostPath).toEqual({ path: '/var/lib/fluent-bit/logging-fluent-bit', type: 'DirectoryOrCreate' });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: state.name, mountPath: '/var/lib/fluent-bit', readOnly: false });
    expect(pod.spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name)).not.toContainEqual(expect.stringContaining('state'));
    // CRI runtimes only: the docker parser and /var/lib/docker/containers are both absent.
    expect(pod.spec.volumes.map((v: any) => v.hostPath?.path)).not.toContain('/var/lib/docker/containers');
  });

  test('Linux nodes only, every taint tolerated, memory requested close to its limit', () => {
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '256Mi' } });
  });

  test('the PriorityClass is named by its value, so a new priority is a new class, never a refused update', () => {
    const build = (priority?: number) => synthChart((c) => new LogShipper(c, 'shipper', { priority }), Environment.LOCAL, { podSecurity: { level: PodSecurityLevel.PRIVILEGED, reason: 'reads node logs through hostPath' } });
    const [a, b] = [build(), build(2_000_000)];
    const [classA, classB] = [findAll(a, 'PriorityClass')[0], findAll(b, 'PriorityClass')[0]];
    expect(classA.metadata.name).toMatch(/^test-shipper-[0-9a-f]{8}$/);
    expect(classB.metadata.name).not.toBe(classA.metadata.name);
    expect(findAll(b, 'DaemonSet')[0].spec.template.spec.priorityClassName).toBe(classB.metadata.name);
    expect(planExitCode(makePlan(a, b))).toBe(0);
  });

  const chart = (backend: LogBackend) => synthChart((c) => new LogShipper(c, 'shipper', { backend }), Environment.LOCAL, { podSecurity: { level: PodSecurityLevel.PRIVILEGED, reason: 'reads node logs through hostPath' } });

  test('Loki: bounded labels, unlimited retries, a bounded filesystem buffer', () => {
    const loki = chart(LogBackend.loki({ host: 'loki.monitoring.svc.cluster.local', peer: NetworkPeers.namespace('monitoring') }));
    const sections = checkConfig(loki, 'shipper-config');
    expect(valueOf(sections, 'OUTPUT', 'Labels')).toBe("job=fluent-bit, namespace=$kubernetes['namespace_name'], app=$kubernetes['labels']['app.kubernetes.io/name'], container=$kubernetes['container_name']");
    expect(find(loki, 'ConfigMap', 'shipper-config').data['fluent-bit.conf']).not.toMatch(/auto_kubernetes_labels/i);
    expect(valueOf(sections, 'OUTPUT', 'Retry_Limit')).toBe('no_limits');
    expect(valueOf(sections, 'OUTPUT', 'storage.total_limit_size')).toBe('1G');
    expect(findingsOf(loki)).toEqual([]);
  });

  test('Elasticsearch: verified TLS with a CA from a Secret, credentials from a Secret through env only', () => {
    const es = chart(LogBackend.elasticsearch({
      host: 'logs-es-http.elastic.svc', peer: NetworkPeers.namespace('elastic'),
      tls: BackendTls.caFromSecret('logs-es-http-certs-public'), credentials: SecretSource.existing('fluent-bit-es'),
    }));
    const sections = checkConfig(es, 'shipper-config');
    expect(sections[3].entries.filter(([k]) => /^(tls|http_)/i.test(k))).toEqual([
      ['tls', 'On'], ['tls.verify', 'On'], ['tls.ca_file', '/fluent-bit/tls/ca.crt'], ['HTTP_User', '${ES_USER}'], ['HTTP_Passwd', '${ES_PASSWORD}'],
    ]);
    expect(valueOf(sections, 'OUTPUT', 'Trace_Error')).toBe('On');
    const spec = find(es, 'DaemonSet', 'shipper').spec.template.spec;
    expect(spec.containers[0].env).toEqual([
      { name: 'ES_USER', valueFrom: { secretKeyRef: { name: 'fluent-bit-es', key: 'username' } } },
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'fluent-bit-es', key: 'password' } } },
    ]);
    expect(spec.volumes).toContainEqual({ name: 'backend-ca', secret: { secretName: 'logs-es-http-certs-public', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'backend-ca', mountPath: '/fluent-bit/tls', readOnly: true });
    expect(findingsOf(es)).toEqual([]);
    // A CA from a ConfigMap, or the system CAs, or none at all.
    const cm = find(chart(LogBackend.elasticsearch({ host: 'es', peer: NetworkPeers.namespace('elastic'), tls: BackendTls.caFromConfigMap('trust-bundle', 'root.pem') })), 'DaemonSet', 'shipper').spec.template.spec;
    expect(cm.volumes).toContainEqual({ name: 'backend-ca', configMap: { name: 'trust-bundle', defaultMode: 0o444, items: [{ key: 'root.pem', path: 'ca.crt' }] } });
    expect(find(chart(LogBackend.elasticsearch({ host: 'es', peer: NetworkPeers.namespace('elastic') })), 'ConfigMap', 'shipper-config').data['fluent-bit.conf']).toContain('    tls On\n    tls.verify On\n    Retry_Limit');
    expect(find(chart(LogBackend.elasticsearch({ host: 'es', peer: NetworkPeers.namespace('elastic'), tls: BackendTls.NONE })), 'ConfigMap', 'shipper-config').data['fluent-bit.conf']).not.toContain('tls');
  });

  test('the config check itself fails on a variable the container does not provide', () => {
    const es = chart(LogBackend.elasticsearch({ host: 'es', peer: NetworkPeers.namespace('elastic'), credentials: SecretSource.existing('fluent-bit-es') }));
    find(es, 'DaemonSet', 'shipper').spec.template.spec.containers[0].env.pop();
    expect(() => checkConfig(es, 'shipper-config')).toThrow('ES_PASSWORD');
    expect(() => parseClassic('[OUTPUT]\nName es')).toThrow('line 2 is neither a section nor an indented key and value');
  });
});
