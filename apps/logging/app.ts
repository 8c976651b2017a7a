/**
 * Node log shipping: fluent-bit on every node, in its own namespace, the only
 * app of the catalogue with a Pod Security exemption. See README.md beside this file.
 */
import { AppChart } from '../../lib/building-blocks/app-chart';
import { LogShipper } from '../../lib/workloads/log-shipper';
import { PodSecurityLevel } from '../../lib/vocabulary/pod-security-level';
import { AppDefinition } from '../../lib/building-blocks/app-definition';

export const logging: AppDefinition = {
  name: 'logging',
  description: 'fluent-bit DaemonSet shipping every container log with Kubernetes metadata',
  build(scope, env) {
    const chart = new AppChart(scope, 'logging', {
      env,
      description: this.description,
      version: '4.1.1',
      podSecurity: {
        level: PodSecurityLevel.PRIVILEGED,
        reason: 'fluent-bit reads container logs from the node through read-only hostPath mounts of /var/log/containers and /var/log/pods, and keeps its tail offsets and buffer in its own read-write hostPath /var/lib/fluent-bit/logging-fluent-bit so that a new pod neither loses nor re-ships logs; only the privileged level allows hostPath; it runs as root without capabilities because the kubelet writes the logs root-owned, mode 0640',
      },
    });
    new LogShipper(chart, 'fluent-bit');
    return chart;
  },
};
