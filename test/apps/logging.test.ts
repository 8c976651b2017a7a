import { logging } from '../../apps/logging/app';
import { Environment } from '../../lib/building-blocks/environment';
import { ContainerImage } from '../../lib/building-blocks/image';
import { LogBackend, LogShipper } from '../../lib/workloads/log-shipper';
import { NetworkPeers } from '../../lib/building-blocks/network-policy';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { PodSecurityLevel } from '../../lib/vocabulary/pod-security-level';
import { Volume } from '../../lib/building-blocks/volumes';
import { Workload, WorkloadKind } from '../../lib/building-blocks/workload';
import { validateManifests } from '../../lib/tooling/validation';
import { assertRestricted, assertSelectorsMatch } from '../../lib/testing';
import { find, findingsOf, manifests, synthApps, synthChart } from '../helpers';

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
    expect(manifests(records)).toMatchSnapshot();
  });

  test('its RBAC is exactly get/list/watch on pods and namespaces, bound to its own ServiceAccount', () => {
    expect(find(records, 'ClusterRole', 'logging-fluent-bit').rules).toEqual([{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find(records, 'ClusterRoleBinding', 'logging-fluent-bit');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'fluent-bit', namespace: 'logging' }]);
    expect(binding.roleRef.name).toBe('logging-fluent-bit');
    expect(find(records, 'ServiceAccount', 'fluent-bit').automountServiceAccountToken).toBe(true);
  });

  test('reads both log folders read-only, tolerates every taint, has a priority class, probes and hashed config', () => {
    const pod = find(records, 'DaemonSet', 'fluent-bit').spec.template;
    expect(pod.spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path).sort()).toEqual(['/var/log/containers', '/var/log/pods']);
    const mounts = pod.spec.containers[0].volumeMounts.filter((m: any) => m.mountPath.startsWith('/var/log'));
    expect(mounts.every((m: any) => m.readOnly === true)).toBe(true);
    expect(pod.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.spec.priorityClassName).toBe('logging-fluent-bit');
    expect(find(records, 'PriorityClass', 'logging-fluent-bit').value).toBe(1000000);
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
    const container = { name: 'x', resources: ResourcePreset.NANO, probes: { liveness: { render: () => ({}) } as any } };
    expect(() => synthChart((c) => new Workload(c, 'x', { ...base, volumes: [Volume.hostPath('logs', '/var/log')], containers: [{ ...container, image: ContainerImage.of('busybox:1.37.0') }] }))).toThrow(
      "x 'x': volume 'logs' is a hostPath, which only Pod Security 'privileged' allows; give the app podSecurity privileged with a reason",
    );
    expect(() => synthChart((c) => new Workload(c, 'x', { ...base, containers: [{ ...container, image: ContainerImage.of('busybox:1.37.0', { runsAsRoot: true }) }] }))).toThrow(
      "x 'x' container 'x': runs as root, which Pod Security 'restricted' forbids",
    );
  });
});
