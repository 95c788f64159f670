import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import { allObservers, missingPermissionEvents } from '../../../src/daemon/ec2-event-observer.ts';
import { kubernetesUse } from '../../../src/daemon/kubernetes-use.ts';
import { FakeEvents } from './fake-kubernetes.ts';

describe('whether the daemon uses the Kubernetes API', () => {
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.100.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('not at all without a setting that needs it, outside a cluster (npm start, tests)', () => {
    expect(kubernetesUse(defaultConfig({ nodeName: 'node-a' }), {})).toEqual({
      enabled: false,
      requiredBy: [],
    });
  });

  it('in a cluster with MY_NODE_NAME: used for max pods, never waited for', () => {
    expect(kubernetesUse(defaultConfig({ nodeName: 'node-a' }), inCluster)).toEqual({
      enabled: true,
      requiredBy: [],
    });
    expect(kubernetesUse(defaultConfig({}), inCluster).enabled).toBe(false);
  });

  it('custom networking and ANNOTATE_POD_IP require it', () => {
    const config = defaultConfig({ customNetworking: true, annotatePodIp: true, nodeName: 'n' });
    expect(kubernetesUse(config, { KUBECONFIG: '/k' })).toEqual({
      enabled: true,
      requiredBy: ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true', 'ANNOTATE_POD_IP=true'],
    });
  });

  it('a required setting without any API configuration, or custom networking without MY_NODE_NAME: refused', () => {
    expect(() => kubernetesUse(defaultConfig({ annotatePodIp: true }), {})).toThrow(
      'ANNOTATE_POD_IP=true needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST) or set KUBECONFIG',
    );
    expect(() => kubernetesUse(defaultConfig({ customNetworking: true }), inCluster)).toThrow(
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true needs MY_NODE_NAME (the Node whose labels choose the ENIConfig)',
    );
  });
});

describe('MissingIAMPermissions events', () => {
  it('one Warning per unauthorized EC2 call, nothing for other outcomes', () => {
    const events = new FakeEvents();
    const observer = allObservers(missingPermissionEvents(() => events));
    const call = {
      bucket: 'mutating',
      latencyMs: 1,
      attempts: 1,
      rateLimitWaitMs: 0,
    };
    observer.onCall({ ...call, action: 'CreateTags', outcome: 'unauthorized' });
    observer.onCall({ ...call, action: 'CreateTags', outcome: 'throttled' });
    observer.onCall({ ...call, action: 'DescribeSubnets', outcome: 'success' });
    expect(events.sent).toEqual([
      {
        reason: 'MissingIAMPermissions',
        message:
          "Unauthorized operation: failed to call CreateTags due to missing permissions. Attach the VPC CNI's IAM policy (AmazonEKS_CNI_Policy) to the node's role",
      },
    ]);
  });
});
