import type { Config } from '../../../src/config/types.ts';
import { PodAllocator } from '../../../src/daemon/pod-allocator.ts';
import type { PodAddRequest, PodDelRequest } from '../../../src/ipam/pod-allocation.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { setup } from './harness.ts';

/** The card-0 node of `setup` with a PodAllocator on it; `released` lists ENIs whose unused prefixes a DEL gave back. */
export async function allocatorSetup(overrides: Partial<Config> = {}) {
  const t = await setup(overrides);
  const released: string[] = [];
  const pods = new PodAllocator({
    config: t.config,
    node: t.node,
    pools: [t.pool],
    scheduler: t.scheduler,
    logger: silentLogger(),
    metrics: t.metrics,
    wakePool: (pool, reason) => t.manager.wake(pool, reason),
    releaseUnusedPrefixes: (_pool, eniId) => released.push(eniId),
  });
  return { ...t, pods, released };
}

/** Pod `i`'s ADD as the plugin sends it. */
export const podAddRequest = (i: number): PodAddRequest => ({
  key: { networkName: 'aws-cni', containerID: `c${i}`, ifName: 'eth0' },
  pod: { namespace: 'default', name: `p${i}` },
  netns: `/var/run/netns/cni-${i}`,
  multiNic: false,
});

/** Pod `i`'s DEL. */
export const podDelRequest = (i: number): PodDelRequest => ({
  key: podAddRequest(i).key,
  pod: podAddRequest(i).pod,
  podUid: `uid-${i}`,
  reason: 'PodDeleted',
});
