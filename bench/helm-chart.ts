/**
 * A Helm chart equivalent to bench/generated.ts, for `helm template` where helm is on PATH: one template ranging
 * over `.Values.count` services, each a ServiceAccount, ConfigMap, Deployment, Service, PodDisruptionBudget and
 * NetworkPolicy with the same fields our WebService writes (hardened pod, probes, resources, spread).
 */
import * as fs from 'fs';
import * as path from 'path';

const TEMPLATE = `{{- range $i := until (int .Values.count) }}
{{- $name := printf "svc-%d" $i }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}, app.kubernetes.io/managed-by: helm}
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}-config
  labels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
data:
  settings.yaml: |
    index: {{ $i }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
      annotations:
        checksum/config: {{ printf "index: %d" $i | sha256sum }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, fsGroup: 101, seccompProfile: {type: RuntimeDefault}}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
      containers:
        - name: {{ $name }}
          image: ghcr.io/stefanprodan/podinfo:6.12.0
          ports: [{name: http, containerPort: 9898}]
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          volumeMounts: [{name: config, mountPath: /etc/{{ $name }}}]
      volumes: [{name: config, configMap: {name: {{ $name }}-config}}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
spec:
  selector: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: {{ $name }}, app.kubernetes.io/instance: {{ $name }}}
  policyTypes: [Ingress, Egress]
  ingress: [{ports: [{port: 9898}]}]
---
{{- end }}
`;

export function writeEquivalentChart(dir: string): string {
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: generated\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), 'count: 10\n');
  fs.writeFileSync(path.join(dir, 'templates', 'services.yaml'), TEMPLATE);
  return dir;
}
