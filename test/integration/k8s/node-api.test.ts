import { describe, expect, it } from 'vitest';
import { addRequest, delRequest, ipOf, poolShape, waitFor } from '../daemon/harness.ts';
import { kubeEnv, NODE_NAME, POD_NAME, withKubeWorld } from './kube-world.ts';

/**
 * What the daemon takes from and gives to the Kubernetes API without custom networking: max pods
 * from kubelet's capacity, the pod annotation (ANNOTATE_POD_IP) and the MissingIAMPermissions
 * event — the daemon process against the simulator and the fake API server.
 */
describe.concurrent('the Kubernetes API beside the pool', () => {
  it("max pods from kubelet's capacity: 110 with prefix delegation on an m5.large, 108 pods all served", async () => {
    await withKubeWorld(async ({ world, api }) => {
      api.putNode(NODE_NAME, { capacityPods: 110 });
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start(
        kubeEnv(api, { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }),
      );
      await waitFor('the Node to be read', async () =>
        JSON.parse((await daemon.introspect('/v1/max-pods')).body).source === 'kubelet'
          ? true
          : undefined,
      );
      expect(JSON.parse((await daemon.introspect('/v1/max-pods')).body)).toMatchObject({
        maxPods: 110,
        kubeletCapacity: 110,
        servable: 434,
      });
      const ips = new Set<string>();
      for (let i = 0; i < 108; i++)
        ips.add(ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`))));
      expect(ips.size).toBe(108);
      // 7 prefixes = 112 addresses ≥ max pods: growth stops there.
      await waitFor('7 prefixes', async () =>
        poolShape(await daemon.enis()).prefixes === 7 ? true : undefined,
      );
      expect((await daemon.metrics()).value('awscni_no_available_ip_addresses')).toBe(0);

      // kubelet's capacity is followed at run time.
      api.patchNode(NODE_NAME, { capacityPods: 58 });
      await waitFor('max pods 58', async () =>
        JSON.parse((await daemon.introspect('/v1/max-pods')).body).maxPods === 58
          ? true
          : undefined,
      );
      expect(await daemon.waitForLog('max pods changed')).toMatchObject({ from: 110, to: 58 });
    });
  }, 60_000);

  it('ANNOTATE_POD_IP: vpc.amazonaws.com/pod-ips after ADD, cleared after DEL; a pod the API does not know still gets its address', async () => {
    await withKubeWorld(async ({ world, api }) => {
      api.putNode(NODE_NAME);
      api.putPod('default', 'web-1', { team: 'a' });
      const node = await world.node({ instanceType: 't3.small' });
      const daemon = await node.start(kubeEnv(api, { ANNOTATE_POD_IP: 'true' }));
      const ip = ipOf(await daemon.client.addNetwork(addRequest('web-1')));
      await waitFor('the annotation', () =>
        api.podAnnotations('default', 'web-1')?.['vpc.amazonaws.com/pod-ips'] === ip
          ? true
          : undefined,
      );
      expect(api.podAnnotations('default', 'web-1')?.team).toBe('a');
      expect((await daemon.client.delNetwork(delRequest('web-1'))).Success).toBe(true);
      await waitFor('the annotation cleared', () =>
        api.podAnnotations('default', 'web-1')?.['vpc.amazonaws.com/pod-ips'] === ''
          ? true
          : undefined,
      );

      // Not in the API: the patch fails (404), the ADD does not.
      const ghost = await daemon.client.addNetwork(addRequest('ghost'));
      expect(ghost.Success).toBe(true);
      const line = await waitFor('the failure line', () =>
        daemon.findLog(
          'updating the pod annotation vpc.amazonaws.com/pod-ips failed; the pod keeps its address',
        ),
      );
      expect(line).toMatchObject({ level: 'warn', pod: 'default/ghost', op: 'set' });
      expect(String(line.err)).toContain('404');
      expect(
        (await daemon.metrics()).value('vpcipamd_pod_annotations_total', {
          op: 'set',
          result: 'failed',
        }),
      ).toBe(1);
    });
  }, 60_000);

  it('UnauthorizedOperation at start-up: a MissingIAMPermissions event on the aws-node pod before the exit', async () => {
    await withKubeWorld(async ({ world, api }) => {
      api.putNode(NODE_NAME);
      const node = await world.node({ instanceType: 't3.small' });
      world.region.injectFault({
        action: 'CreateTags',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      });
      const daemon = node.spawn(kubeEnv(api));
      expect((await daemon.waitForExit()).code).toBe(1);
      expect(api.events).toHaveLength(1);
      expect(api.events[0]).toMatchObject({
        type: 'Warning',
        reason: 'MissingIAMPermissions',
        message:
          "Unauthorized operation: failed to call CreateTags due to missing permissions. Attach the VPC CNI's IAM policy (AmazonEKS_CNI_Policy) to the node's role",
        involvedObject: { kind: 'Pod', name: POD_NAME, namespace: 'kube-system' },
        source: { component: 'aws-node', host: NODE_NAME },
      });
    });
  }, 60_000);

  it('without a setting that needs it and outside a cluster, the API is never used', async () => {
    await withKubeWorld(async ({ world, api }) => {
      const node = await world.node({ instanceType: 't3.small' });
      const daemon = await node.start({ MY_NODE_NAME: NODE_NAME });
      expect(JSON.parse((await daemon.introspect('/v1/max-pods')).body)).toMatchObject({
        maxPods: 11,
        source: 'calculated',
      });
      expect((await daemon.introspect('/v1/eni-configs')).status).toBe(404);
      expect(daemon.findLog('using the Kubernetes API')).toBeUndefined();
      expect(api.requests).toEqual([]);
    });
  }, 60_000);
});
