import { describe, expect, it } from 'vitest';
import { FakeEniConfigs, FakeNodeInfo } from './fake-kubernetes.ts';
import { setup } from './harness.ts';

/**
 * Max pods: kubelet's capacity from the Node when the API gives it (followed at run time), else
 * the max-pods calculator; a warning when kubelet allows more than the node can serve.
 */
describe('max pods', () => {
  it('without the Kubernetes API: the calculator (m5.large: 29; with prefixes: 110)', async () => {
    const plain = await setup();
    expect(plain.ipamd.maxPodsView()).toEqual({
      maxPods: 29,
      source: 'calculated',
      servable: 29,
      calculated: 29,
      kubeletCapacity: null,
      warning: null,
    });
    const pd = await setup({ enablePrefixDelegation: true, warmPrefixTarget: 1 });
    expect(pd.node.live.maxPods).toBe(110);
    expect(pd.pool.settings.maxPods).toBe(110);
    expect(pd.ipamd.maxPodsView()).toMatchObject({ source: 'calculated', servable: 434 });
  });

  it("kubelet's capacity wins, and a change is followed by every card's policy", async () => {
    const nodeInfo = new FakeNodeInfo({ capacityPods: 60 });
    const t = await setup({}, 'm5.large', () => ({ nodeInfo }));
    expect(t.pool.settings.maxPods).toBe(60);
    expect(t.ipamd.maxPodsView()).toMatchObject({
      maxPods: 60,
      source: 'kubelet',
      kubeletCapacity: 60,
    });
    nodeInfo.set({ capacityPods: 20 });
    expect(t.node.live.maxPods).toBe(20);
    expect(t.pool.policy.settings.maxPods).toBe(20);
    const gauge = await t.metrics.registry.getSingleMetricAsString('vpcipamd_max_pods');
    expect(gauge).toContain('vpcipamd_max_pods{source="kubelet"} 20');
    // Growth stops at the new cap.
    await t.pass();
    expect(t.pool.stats().totalIPs).toBe(9);
    nodeInfo.set({ capacityPods: undefined });
    expect(t.ipamd.maxPodsView()).toMatchObject({ maxPods: 29, source: 'calculated' });
  });

  it("warns, with the right number, when kubelet's capacity is more than the node can serve", async () => {
    // Custom networking on an m5.large: the primary ENI gives no pod addresses, 2 × 9 + 2 = 20.
    const nodeInfo = new FakeNodeInfo({ capacityPods: 29, labels: {} });
    const eniConfigs = new FakeEniConfigs();
    const t = await setup({ customNetworking: true, nodeName: 'node-a' }, 'm5.large', () => ({
      nodeInfo,
      eniConfigs,
    }));
    expect(t.ipamd.maxPodsView()).toEqual({
      maxPods: 29,
      source: 'kubelet',
      servable: 20,
      calculated: 20,
      kubeletCapacity: 29,
      warning:
        "kubelet allows 29 pods but this node can serve only 20 (pod addresses + 2 host-network pods); set kubelet's --max-pods to 20",
    });
    const gauge = await t.metrics.registry.getSingleMetricAsString('vpcipamd_max_pods_servable');
    expect(gauge).toContain('vpcipamd_max_pods_servable 20');
  });

  it('a fixed value (plan --max-pods) is neither kubelet nor calculated', async () => {
    const t = await setup({}, 'm5.large', () => ({
      maxPods: 50,
      nodeInfo: new FakeNodeInfo({ capacityPods: 110 }),
    }));
    expect(t.ipamd.maxPodsView()).toMatchObject({ maxPods: 50, source: 'flag' });
  });
});
