import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/types.ts';
import { MIN_ENI_LIFETIME_MS } from '../../../src/ipam/warm-pool/eni-release.ts';
import { FakeEniConfigs, FakeEvents, FakeNodeInfo } from './fake-kubernetes.ts';
import { setup } from './harness.ts';
import type { MemoryEc2 } from './memory-ec2.ts';

/**
 * Custom networking on the daemon's own composition: new ENIs from the node's ENIConfig, none
 * (and no pod address) without one, the primary ENI never used for pods, and ENIs that no longer
 * match drained and freed — the node converging without replacement.
 */

const LABEL = 'k8s.amazonaws.com/eniConfig';

function addSubnets(ec2: MemoryEc2): void {
  for (const [subnetId, cidrBlock] of [
    ['subnet-blue', '100.64.0.0/19'],
    ['subnet-green', '100.64.32.0/19'],
  ] as const) {
    ec2.subnets.push({
      subnetId,
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      cidrBlock,
      availableIpAddressCount: 8000,
      tags: {},
    });
  }
}

async function customSetup(
  labels: Record<string, string> = {},
  overrides: Partial<Config> = {},
  beforeStart: (ec2: MemoryEc2) => void = () => {},
) {
  const nodeInfo = new FakeNodeInfo({ labels });
  const eniConfigs = new FakeEniConfigs();
  eniConfigs.put('blue', { subnet: 'subnet-blue', securityGroups: ['sg-blue'] });
  eniConfigs.put('green', { subnet: 'subnet-green', securityGroups: ['sg-green'] });
  const events = new FakeEvents();
  const t = await setup(
    { customNetworking: true, nodeName: 'node-a', ...overrides },
    'm5.large',
    (ec2) => {
      addSubnets(ec2);
      beforeStart(ec2);
      return { nodeInfo, eniConfigs, events };
    },
  );
  /** Lets the convergence's evaluation (started by a listener) finish. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const created = () =>
    t.ec2.callsOf('createNetworkInterface').map((args) => {
      const request = args[0] as { subnetId: string; securityGroupIds: string[] };
      return `${request.subnetId} ${request.securityGroupIds.join(',')}`;
    });
  return { ...t, nodeInfo, eniConfigs, events, settle, created };
}

describe('custom networking: where new ENIs go', () => {
  it("the ENIConfig the node's label names: its subnet and its security groups", async () => {
    const t = await customSetup({ [LABEL]: 'blue' });
    await t.pass();
    expect(t.created()).toEqual(['subnet-blue sg-blue']);
    const ip = t.assign(1).ip;
    expect(t.pool.datastore.containingCidr(ip)?.eniId).not.toBe('eni-primary');
    expect(t.ipamd.eniConfigStatus()).toMatchObject({
      customNetworking: true,
      state: 'ready',
      name: 'blue',
      source: 'label',
      subnet: 'subnet-blue',
      securityGroups: ['sg-blue'],
      mismatchedEnis: [],
    });
    expect(t.ipamd.eniConfigName()).toBe('blue');
  });

  it('an ENIConfig without security groups: the primary ENI groups', async () => {
    const t = await customSetup({ [LABEL]: 'plain' });
    t.eniConfigs.put('plain', { subnet: 'subnet-green' });
    await t.pass();
    expect(t.created()).toEqual(['subnet-green sg-1']);
  });

  it('no ENIConfig: no ENI and no address, the reason in the status, an event and a metric; creating it unblocks', async () => {
    const t = await customSetup();
    await t.pass();
    expect(t.created()).toEqual([]);
    expect(() => t.assign(1)).toThrow(/no available/);
    const reason =
      'eniconfig: eniconfig is not available: no ENIConfig named "default" (chosen by default: the node has no label vpc.amazonaws.com/externalEniConfig, annotation k8s.amazonaws.com/eniConfig or label k8s.amazonaws.com/eniConfig)';
    expect(t.ipamd.eniConfigStatus()).toMatchObject({ state: 'missing', name: 'default', reason });
    expect(t.events.sent).toEqual([{ reason: 'MissingENIConfig', message: reason }]);
    const gauge = await t.metrics.registry.getSingleMetricAsString('vpcipamd_eni_config_state');
    expect(gauge).toContain('vpcipamd_eni_config_state{state="missing"} 1');
    expect(gauge).toContain('vpcipamd_eni_config_state{state="ready"} 0');

    t.eniConfigs.put('default', { subnet: 'subnet-blue' });
    await t.pass();
    expect(t.created()).toEqual(['subnet-blue sg-1']);
    expect(t.assign(1).ip).toMatch(/^10\./);
    expect(t.ipamd.eniConfigStatus()).toMatchObject({ state: 'ready', name: 'default' });
  });

  it('an unusable ENIConfig says what is wrong with it', async () => {
    const t = await customSetup({ [LABEL]: 'broken' });
    t.eniConfigs.put('broken', { subnet: '' });
    await t.pass();
    expect(t.created()).toEqual([]);
    expect(t.ipamd.eniConfigStatus()).toMatchObject({
      state: 'invalid',
      reason: 'ENIConfig "broken": spec.subnet must be a subnet ID (subnet-…), got ""',
    });
  });

  it('the Node not found: no ENI, no name for /v1/eni-configs (404), the reason in the status', async () => {
    const nodeInfo = new FakeNodeInfo();
    const eniConfigs = new FakeEniConfigs();
    eniConfigs.put('default', { subnet: 'subnet-blue' });
    const t = await setup({ customNetworking: true, nodeName: 'node-a' }, 'm5.large', (ec2) => {
      addSubnets(ec2);
      return { nodeInfo, eniConfigs };
    });
    await t.pass();
    expect(t.ec2.callsOf('createNetworkInterface')).toEqual([]);
    expect(t.ipamd.eniConfigName()).toBeUndefined();
    expect(t.ipamd.eniConfigStatus()).toMatchObject({
      state: 'no-node',
      reason: 'no Node named node-a (MY_NODE_NAME)',
    });
    // The label arrives late (#264): the node's ENIConfig applies from then on.
    nodeInfo.set({ labels: { [LABEL]: 'default' } });
    expect(t.ipamd.eniConfigName()).toBe('default');
    await t.pass();
    expect(t.ec2.callsOf('createNetworkInterface')).toHaveLength(1);
  });
});

describe('custom networking: the primary ENI', () => {
  it('gives no pod addresses, not even secondary addresses it already has; those go back to EC2', async () => {
    const t = await customSetup({ [LABEL]: 'blue' }, {}, (ec2) => {
      const primary = ec2.enis.get('eni-primary')!;
      ec2.enis.set('eni-primary', {
        ...primary,
        privateIpv4: [
          ...primary.privateIpv4,
          { address: '10.0.5.1', primary: false },
          { address: '10.0.5.2', primary: false },
        ],
      });
    });
    expect(t.pool.datastore.eni('eni-primary')).toMatchObject({ excludedForPodIps: true });
    expect(t.pool.datastore.cidrsOf('eni-primary')).toEqual([]);
    expect(t.ec2.enis.get('eni-primary')!.privateIpv4.map((a) => a.address)).not.toContain(
      '10.0.5.1',
    );
    await t.pass();
    expect(t.pool.datastore.containingCidr(t.assign(1).ip)?.eniId).not.toBe('eni-primary');
  });
});

describe('custom networking: changes converge', () => {
  it('a label change: the next ENI in the new subnet, the old one drained and freed once empty', async () => {
    const t = await customSetup({ [LABEL]: 'blue' });
    await t.pass();
    const blueEni = t.ec2.secondaryEnis()[0]!.eniId;
    t.assign(1);
    t.assign(2);

    t.nodeInfo.set({ labels: { [LABEL]: 'green' } });
    await t.settle();
    expect(t.pool.datastore.eni(blueEni)?.draining).toBe(true);
    expect(t.ipamd.eniConfigStatus().mismatchedEnis).toEqual([
      {
        eniId: blueEni,
        card: 0,
        subnetId: 'subnet-blue',
        securityGroupIds: ['sg-blue'],
        reason: 'subnet subnet-blue, the ENIConfig says subnet-green',
      },
    ]);
    await t.pass();
    expect(t.created()).toEqual(['subnet-blue sg-blue', 'subnet-green sg-green']);
    const greenEni = t.ec2.secondaryEnis().find((eni) => eni.subnetId === 'subnet-green')!.eniId;
    // New pods go to the matching ENI, although the old one is fuller and has room.
    expect(t.pool.datastore.containingCidr(t.assign(3).ip)?.eniId).toBe(greenEni);

    t.unassign(1);
    t.unassign(2);
    t.scheduler.advance(MIN_ENI_LIFETIME_MS + 30_000);
    await t.pass();
    expect(t.ec2.callsOf('deleteNetworkInterface').map((args) => args[0])).toEqual([blueEni]);
    expect(t.pool.datastore.hasEni(blueEni)).toBe(false);
    expect(t.ipamd.eniConfigStatus().mismatchedEnis).toEqual([]);
  });

  it('a draining ENI still serves when no matching ENI has room', async () => {
    const t = await customSetup({ [LABEL]: 'blue' }, { maxEni: 2 });
    await t.pass();
    t.nodeInfo.set({ labels: { [LABEL]: 'green' } });
    await t.settle();
    await t.pass();
    // MAX_ENI=2: the primary and the blue ENI, no room for a green one.
    expect(t.created()).toEqual(['subnet-blue sg-blue']);
    expect(t.assign(1).ip).toMatch(/^10\./);
  });

  it('changed security groups in the ENIConfig also mark the ENI, and a change back clears it', async () => {
    // Interval mode: no pass but the ones below (a woken pass would add an ENI with the groups).
    const t = await customSetup({ [LABEL]: 'blue' }, { warmPoolMode: 'interval' });
    await t.pass();
    const eni = t.ec2.secondaryEnis()[0]!.eniId;
    t.eniConfigs.put('blue', { subnet: 'subnet-blue', securityGroups: ['sg-blue', 'sg-extra'] });
    await t.settle();
    expect(t.ipamd.eniConfigStatus().mismatchedEnis?.[0]?.reason).toBe(
      'security groups [sg-blue], the ENIConfig says [sg-blue,sg-extra]',
    );
    t.eniConfigs.put('blue', { subnet: 'subnet-blue', securityGroups: ['sg-blue'] });
    await t.settle();
    expect(t.pool.datastore.eni(eni)?.draining).toBe(false);
    const gauge = await t.metrics.registry.getSingleMetricAsString(
      'vpcipamd_eni_config_mismatched_enis',
    );
    expect(gauge).toContain('vpcipamd_eni_config_mismatched_enis 0');
  });

  it('the ENIConfig deleted: existing ENIs keep serving, no new ENI', async () => {
    const t = await customSetup({ [LABEL]: 'blue' });
    await t.pass();
    t.eniConfigs.delete('blue');
    await t.settle();
    expect(t.pool.datastore.eni(t.ec2.secondaryEnis()[0]!.eniId)?.draining).toBe(false);
    expect(t.assign(1).ip).toMatch(/^10\./);
    expect(t.ipamd.eniConfigStatus()).toMatchObject({ state: 'missing', name: 'blue' });
  });
});

describe('settings that need the Kubernetes API', () => {
  it('custom networking or ANNOTATE_POD_IP without the ports: refused, naming the setting', async () => {
    await expect(setup({ customNetworking: true })).rejects.toThrow(
      'unsupported settings: AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true (needs the Kubernetes API for the Node and its ENIConfig)',
    );
    await expect(setup({ annotatePodIp: true })).rejects.toThrow(
      'unsupported settings: ANNOTATE_POD_IP=true (needs the Kubernetes API to patch pods)',
    );
  });

  it('security groups for pods stay refused', async () => {
    await expect(setup({ enablePodEni: true })).rejects.toThrow(
      'unsupported settings: ENABLE_POD_ENI=true (security groups for pods: trunk and branch ENIs are not supported by this build yet)',
    );
  });
});
