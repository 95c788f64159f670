import { describe, expect, it } from 'vitest';
import { FakeAnnotator } from './fake-kubernetes.ts';
import { setup } from './harness.ts';
import { podAddRequest as add, podDelRequest as del } from './pod-allocator-setup.ts';

/**
 * ANNOTATE_POD_IP through the composed node's PodAllocator: the annotation follows ADD and DEL,
 * and a failing API never fails the ADD.
 */
async function annotatedSetup() {
  const annotator = new FakeAnnotator();
  const t = await setup({ annotatePodIp: true }, 'm5.large', () => ({ podAnnotator: annotator }));
  await t.pass();
  return { ...t, annotator, pods: t.ipamd.podNetwork };
}

describe('ANNOTATE_POD_IP', () => {
  it('sets vpc.amazonaws.com/pod-ips after the ADD and clears it after the DEL, in order', async () => {
    const t = await annotatedSetup();
    const added = await t.pods.add(add(1));
    if (!added.ok) throw new Error(added.reason);
    const ip = added.addresses[0]!.ipv4;
    await t.pods.del(del(1));
    await t.ipamd.podIps?.idle();
    expect(t.annotator.calls).toEqual([`set default/p1 ${ip}`, `clear default/p1 ${ip}`]);
    const counter = await t.metrics.registry.getSingleMetricAsString(
      'vpcipamd_pod_annotations_total',
    );
    expect(counter).toContain('vpcipamd_pod_annotations_total{op="set",result="ok"} 1');
    expect(counter).toContain('vpcipamd_pod_annotations_total{op="clear",result="ok"} 1');
  });

  it('the API refusing the patch never fails the ADD; it is counted', async () => {
    const t = await annotatedSetup();
    t.annotator.failing = true;
    const added = await t.pods.add(add(1));
    expect(added.ok).toBe(true);
    await t.ipamd.podIps?.idle();
    const counter = await t.metrics.registry.getSingleMetricAsString(
      'vpcipamd_pod_annotations_total',
    );
    expect(counter).toContain('vpcipamd_pod_annotations_total{op="set",result="failed"} 1');
  });

  it('off by default: no annotator is asked', async () => {
    const annotator = new FakeAnnotator();
    const t = await setup({}, 'm5.large', () => ({ podAnnotator: annotator }));
    await t.pass();
    expect((await t.ipamd.podNetwork.add(add(1))).ok).toBe(true);
    expect(t.ipamd.podIps).toBeUndefined();
    expect(annotator.calls).toEqual([]);
  });
});
