import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { Ipamd } from '../../../src/daemon/ipamd.ts';
import type { NodePorts } from '../../../src/daemon/node-init.ts';
import { VirtualScheduler } from '../../../src/daemon/scheduler.ts';
import { FakeHostNetwork } from '../../../src/host/fake-host-network.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdMetrics } from '../../../src/observe/metrics.ts';
import { MemoryFs } from '../checkpoint/memory-fs.ts';
import { FakeImds } from './fake-imds.ts';
import { MemoryEc2 } from './memory-ec2.ts';

/**
 * One node's ipamd built by the daemon's own composition (`Ipamd.start`) on in-memory ports: an
 * m5.large (3 ENIs × 9 addresses) by default, the in-memory EC2, an IMDS that lags until told to
 * `sync`, a fake host, a checkpoint in memory and virtual time. Pre-scaling is off: each test
 * drives the pool passes it wants, and every EC2 call of node init is forgotten.
 */
export async function setup(
  overrides: Partial<Config> = {},
  instanceType = 'm5.large',
  /** More ports (e.g. the Kubernetes ones), given the in-memory EC2 before the node starts. */
  ports: (ec2: MemoryEc2) => Partial<NodePorts> = () => ({}),
) {
  const config = defaultConfig({
    ipCooldownSeconds: 30,
    backingStorePath: '/run/aws-node/ipam.json',
    ...overrides,
  });
  const scheduler = new VirtualScheduler();
  const ec2 = new MemoryEc2({ sleep: (ms) => scheduler.sleep(ms) });
  const imds = new FakeImds(ec2, instanceType);
  const host = new FakeHostNetwork();
  const metrics = new IpamdMetrics('v0.0.0');
  const fs = new MemoryFs();
  const ipamd = await Ipamd.start(
    {
      config,
      identity: await imds.getInstanceIdentity(),
      imds,
      ec2,
      host,
      scheduler,
      logger: silentLogger(),
      metrics,
      random: () => 0,
      checkpointFs: fs,
      ...ports(ec2),
    },
    { prescale: false },
  );
  ec2.slotsPerEni = ipamd.node.limits.maxAssignPerEni;
  const pool = ipamd.pools[0]!;
  const key = (i: number) => ({ networkName: 'aws-cni', containerID: `c${i}`, ifName: 'eth0' });
  const assign = (i: number) =>
    pool.datastore.assign(key(i), {
      k8sPodNamespace: 'default',
      k8sPodName: `p${i}`,
      interfacesCount: 1,
    });
  const unassign = (i: number) => pool.datastore.unassign(key(i));
  ec2.calls.length = 0;
  return {
    config,
    ipamd,
    node: ipamd.node,
    scheduler,
    ec2,
    imds,
    host,
    metrics,
    pool,
    actions: ipamd.actions,
    cooldown: ipamd.cooldown,
    manager: ipamd.poolManager,
    assign,
    unassign,
    fs,
    terminate: () => ipamd.terminate(),
    pass: () => ipamd.poolManager.runPass(pool, 'tick'),
  };
}
