import { renderCheckpoint } from '../../../src/checkpoint/snapshot.ts';
import { CheckpointWriter } from '../../../src/checkpoint/writer.ts';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { CardPool } from '../../../src/daemon/card-pool.ts';
import { EniActions } from '../../../src/daemon/eni-actions.ts';
import type { NodeFacts } from '../../../src/daemon/node-facts.ts';
import { poolSettings } from '../../../src/daemon/node-init.ts';
import { PoolManager } from '../../../src/daemon/pool-manager.ts';
import { ReconcileCooldown } from '../../../src/daemon/reconcile-cooldown.ts';
import { VirtualScheduler } from '../../../src/daemon/scheduler.ts';
import { FakeHostNetwork } from '../../../src/host/fake-host-network.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';
import { deriveLimits, lookupInstanceType } from '../../../src/ipam/instance-limits.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdMetrics } from '../../../src/observe/metrics.ts';
import { MemoryFs } from '../checkpoint/memory-fs.ts';
import { FakeEc2 } from './fake-ec2.ts';

/** A card-0 pool of an m5.large (3 ENIs × 9 addresses) on a fake EC2, a fake host and virtual time. */
export async function setup(overrides: Partial<Config> = {}, instanceType = 'm5.large') {
  const config = defaultConfig({ ipCooldownSeconds: 30, ...overrides });
  const scheduler = new VirtualScheduler();
  const ec2 = new FakeEc2();
  const host = new FakeHostNetwork();
  const metrics = new IpamdMetrics('v0.0.0');
  const typeInfo = lookupInstanceType(instanceType)!;
  const limits = deriveLimits(typeInfo, {
    maxEni: config.maxEni,
    prefixDelegation: config.enablePrefixDelegation,
  });
  ec2.slotsPerEni = limits.maxAssignPerEni;
  const node: NodeFacts = {
    instanceId: ec2.instanceId,
    instanceType,
    region: 'us-west-2',
    availabilityZone: 'us-west-2a',
    vpcId: 'vpc-1',
    primaryMac: '02:00:00:00:00:00',
    primaryIp: '10.0.0.10',
    primaryEniId: 'eni-primary',
    primarySubnetId: 'subnet-1',
    typeInfo,
    limits,
    connectionTracking: undefined,
    maxPods: 29,
    live: { vpcCidrs: ['10.0.0.0/16'], securityGroupIds: ['sg-1'] },
  };
  const datastore = new Datastore({
    clock: scheduler,
    cooldownMs: config.ipCooldownSeconds * 1000,
    prefixDelegation: limits.prefixDelegation,
  });
  const fs = new MemoryFs();
  const checkpoint = new CheckpointWriter({
    path: '/run/aws-node/ipam.json',
    render: () => renderCheckpoint(datastore),
    fs,
  });
  const pool = new CardPool({
    card: 0,
    datastore,
    checkpoint,
    settings: poolSettings(config, 0, limits, node.maxPods),
    maxEni: limits.maxEni,
    unmanagedEnis: 0,
    scheduler,
  });
  const cooldown = new ReconcileCooldown();
  const actions = new EniActions({
    ec2,
    host,
    scheduler,
    logger: silentLogger(),
    metrics,
    config,
    node,
    cooldown,
    random: () => 0,
  });
  actions.noteSubnetCidr('subnet-1', '10.0.0.0/16');
  const primary = ec2.enis.get('eni-primary')!;
  await actions.adoptEni(pool, {
    eniId: primary.eniId,
    mac: primary.macAddress,
    deviceNumber: 0,
    isPrimary: true,
    subnetId: 'subnet-1',
    subnetCidr: '10.0.0.0/16',
    primaryIp: primary.primaryIpv4!,
    secondaryIps: [],
    prefixes: [],
    interfaceType: 'interface',
  });
  let terminating = false;
  const manager = new PoolManager({
    config,
    scheduler,
    actions,
    logger: silentLogger(),
    metrics,
    isTerminating: () => terminating,
  });
  const assign = (i: number) =>
    datastore.assign(
      { networkName: 'aws-cni', containerID: `c${i}`, ifName: 'eth0' },
      { k8sPodNamespace: 'default', k8sPodName: `p${i}`, interfacesCount: 1 },
    );
  const unassign = (i: number) =>
    datastore.unassign({ networkName: 'aws-cni', containerID: `c${i}`, ifName: 'eth0' });
  ec2.calls.length = 0;
  return {
    config,
    node,
    scheduler,
    ec2,
    host,
    metrics,
    pool,
    actions,
    cooldown,
    manager,
    assign,
    unassign,
    fs,
    terminate: () => {
      terminating = true;
    },
    pass: () => manager.runPass(pool, 'tick'),
  };
}
