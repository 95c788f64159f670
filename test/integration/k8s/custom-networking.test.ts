import { describe, expect, it } from 'vitest';
import {
  addRequest,
  type DaemonProcess,
  delRequest,
  httpGet,
  ipOf,
  Metrics,
  waitFor,
} from '../daemon/harness.ts';
import { ENI_CONFIGS } from './fake-kube-api.ts';
import {
  type KubeWorld,
  kubeEnv,
  NODE_NAME,
  POD_NAME,
  placementOf,
  secondaryEnis,
  withKubeWorld,
} from './kube-world.ts';

/**
 * Custom networking end to end: the daemon process against the simulated region and the fake
 * Kubernetes API server, the real client library in between. Pod subnets live in the VPC's
 * secondary CIDR (100.64.0.0/16); the node's own subnet is 10.0.0.0/20.
 */

// WARM_IP_TARGET=1: one address per step, so each ENIConfig change adds exactly one ENI.
const CUSTOM = { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', WARM_IP_TARGET: '1' };
const ANNOTATION = 'k8s.amazonaws.com/eniConfig';
const ZONE = 'topology.kubernetes.io/zone';

async function status(daemon: DaemonProcess): Promise<Record<string, unknown>> {
  return JSON.parse((await daemon.introspect('/v1/eni-config-status')).body);
}

/** Waits until the node has an ENI placed as `placement` ('subnet sg,…'). */
function eniPlacedAs(node: Parameters<typeof secondaryEnis>[0], placement: string) {
  return waitFor(`an ENI at ${placement}`, async () => {
    const found = (await secondaryEnis(node)).find((eni) => placementOf(eni) === placement);
    return found?.NetworkInterfaceId;
  });
}

/** An m5.large whose annotation names ENIConfig 'blue' ('green' exists too), its daemon started. */
async function blueNode(kube: KubeWorld, env: Record<string, string> = {}) {
  const { world, api, subnets, groups } = kube;
  api.putNode(NODE_NAME, { labels: { [ANNOTATION]: 'blue' } });
  api.putEniConfig('blue', { subnet: subnets.blue, securityGroups: [groups.blue] });
  api.putEniConfig('green', { subnet: subnets.green, securityGroups: [groups.green] });
  const node = await world.node({ instanceType: 'm5.large' });
  return { node, daemon: await node.start(kubeEnv(api, { ...CUSTOM, ...env })) };
}

describe.concurrent('custom networking (ENIConfig)', () => {
  it('the four sources in order (AZ label, annotation, external label, default); each ENI in its ENIConfig subnet with its groups; the primary ENI unused', async () => {
    await withKubeWorld(async ({ world, api, subnets, groups }) => {
      const sg = world.region.defaultSecurityGroupId;
      api.putNode(NODE_NAME, { labels: { [ZONE]: 'us-west-2a' }, capacityPods: 234 });
      api.putEniConfig('us-west-2a', { subnet: subnets.blue, securityGroups: [groups.blue] });
      api.putEniConfig('annotated', { subnet: subnets.green, securityGroups: [groups.green] });
      api.putEniConfig('external', { subnet: subnets.blue, securityGroups: [groups.green] });
      api.putEniConfig('default', { subnet: subnets.green });
      const node = await world.node({ instanceType: 'c5.4xlarge' });
      const daemon = await node.start(kubeEnv(api, { ...CUSTOM, ENI_CONFIG_LABEL_DEF: ZONE }));

      // The per-AZ ENIConfig, named after the zone label.
      await eniPlacedAs(node, `${subnets.blue} ${groups.blue}`);
      expect(await status(daemon)).toMatchObject({
        customNetworking: true,
        state: 'ready',
        name: 'us-west-2a',
        source: 'label',
        subnet: subnets.blue,
        securityGroups: [groups.blue],
      });
      expect(JSON.parse((await daemon.introspect('/v1/eni-configs')).body)).toBe('us-west-2a');
      const ip = ipOf(await daemon.client.addNetwork(addRequest('pod-1')));
      expect(ip).toMatch(/^100\.64\.([0-9]|[12][0-9]|3[01])\./);
      const primary = Object.values((await daemon.enis())['0']!.ENIs).find((e) => e.IsPrimary)!;
      expect(primary.IsExcludedForPodIPs).toBe(true);
      expect(Object.keys(primary.AvailableIPv4Cidrs)).toEqual([]);

      const steps: [
        Record<string, string | null>,
        Record<string, string | null>,
        string,
        string,
      ][] = [
        [{}, { [ANNOTATION]: 'annotated' }, 'annotation', `${subnets.green} ${groups.green}`],
        [
          { 'vpc.amazonaws.com/externalEniConfig': 'external' },
          {},
          'external-label',
          `${subnets.blue} ${groups.green}`,
        ],
        [
          { 'vpc.amazonaws.com/externalEniConfig': null, [ZONE]: null },
          { [ANNOTATION]: null },
          'default',
          `${subnets.green} ${sg}`,
        ],
      ];
      for (const [labels, annotations, source, placement] of steps) {
        api.patchNode(NODE_NAME, { labels, annotations });
        await waitFor(`the ${source} source`, async () =>
          (await status(daemon)).source === source ? true : undefined,
        );
        // The next ENI at once, in the new place; the earlier ones drain.
        await eniPlacedAs(node, placement);
      }
      const final = await status(daemon);
      expect(final).toMatchObject({ name: 'default', subnet: subnets.green });
      expect((final.mismatchedEnis as unknown[]).length).toBe(3);
      // New pods land in the default ENIConfig's subnet (100.64.32.0/19).
      expect(ipOf(await daemon.client.addNetwork(addRequest('pod-2')))).toMatch(
        /^100\.64\.(3[2-9]|[4-5][0-9]|6[0-3])\./,
      );
      expect(world.calls('CreateNetworkInterface')).toBe(4);
    });
  }, 60_000);

  it("kubelet's max pods above what custom networking can serve: a warning with the right number, in the log, /v1/max-pods and a gauge", async () => {
    await withKubeWorld(async ({ world, api, subnets }) => {
      api.putNode(NODE_NAME, { capacityPods: 29 });
      api.putEniConfig('default', { subnet: subnets.blue });
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start(kubeEnv(api, CUSTOM));
      const text =
        "kubelet allows 29 pods but this node can serve only 20 (pod addresses + 2 host-network pods); set kubelet's --max-pods to 20";
      expect(daemon.logLines().find((l) => l.msg === text)).toMatchObject({
        level: 'warn',
        maxPods: 29,
        servable: 20,
      });
      expect(JSON.parse((await daemon.introspect('/v1/max-pods')).body)).toEqual({
        maxPods: 29,
        source: 'kubelet',
        servable: 20,
        calculated: 20,
        kubeletCapacity: 29,
        warning: text,
      });
      const metrics = await daemon.metrics();
      expect(metrics.value('vpcipamd_max_pods', { source: 'kubelet' })).toBe(29);
      expect(metrics.value('vpcipamd_max_pods_servable')).toBe(20);
    });
  }, 60_000);

  it('no ENIConfig: no pod gets an address and the reason is visible; creating it unblocks the pods without a restart', async () => {
    await withKubeWorld(async ({ world, api, subnets, groups }) => {
      api.putNode(NODE_NAME, { labels: { [ANNOTATION]: 'blue' } });
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start(kubeEnv(api, CUSTOM));
      const failed = await daemon.client.addNetwork(addRequest('pod-1'), 20_000);
      expect(failed.Success).toBe(false);
      expect(world.calls('CreateNetworkInterface')).toBe(0);

      const reason =
        'eniconfig: eniconfig is not available: no ENIConfig named "blue" (chosen by the node\'s label k8s.amazonaws.com/eniConfig)';
      expect(
        await daemon.waitForLog(
          `custom networking: no pod addresses from new ENIs until this is fixed: ${reason}`,
        ),
      ).toMatchObject({ level: 'warn', state: 'missing' });
      expect(await status(daemon)).toMatchObject({ state: 'missing', name: 'blue', reason });
      expect(JSON.parse((await daemon.introspect('/v1/eni-configs')).body)).toBe('blue');
      expect(
        (await daemon.metrics()).value('vpcipamd_eni_config_state', { state: 'missing' }),
      ).toBe(1);
      await waitFor('the event', () => (api.events.length > 0 ? true : undefined));
      expect(api.events[0]).toMatchObject({
        type: 'Warning',
        reason: 'MissingENIConfig',
        message: reason,
        involvedObject: { kind: 'Pod', name: POD_NAME, namespace: 'kube-system' },
      });

      api.putEniConfig('blue', { subnet: subnets.blue, securityGroups: [groups.blue] });
      // kubelet retries the sandbox; the pool grows as soon as the ENIConfig is seen.
      const ip = await waitFor('pod-1 to get an address', async () => {
        const reply = await daemon.client.addNetwork(addRequest('pod-1'), 20_000);
        return reply.Success ? ipOf(reply) : undefined;
      });
      expect(ip).toMatch(/^100\.64\./);
      expect(daemon.running).toBe(true);
      expect(node.daemons).toHaveLength(1);
      expect((await daemon.metrics()).value('vpcipamd_eni_config_state', { state: 'ready' })).toBe(
        1,
      );
    });
  }, 60_000);

  it('a label change: the next ENI in the new subnet, the old ENI drained and freed once empty', async () => {
    await withKubeWorld(async (kube) => {
      const { api, subnets, groups } = kube;
      const { node, daemon } = await blueNode(kube, { IP_COOLDOWN_PERIOD: '0' });
      const blueEni = await eniPlacedAs(node, `${subnets.blue} ${groups.blue}`);
      ipOf(await daemon.client.addNetwork(addRequest('pod-1')));
      ipOf(await daemon.client.addNetwork(addRequest('pod-2')));

      api.patchNode(NODE_NAME, { labels: { [ANNOTATION]: 'green' } });
      const greenEni = await eniPlacedAs(node, `${subnets.green} ${groups.green}`);
      const drained = await waitFor('the old ENI to be reported', async () => {
        const mismatched = (await status(daemon)).mismatchedEnis as { eniId: string }[];
        return mismatched.length === 1 ? mismatched[0] : undefined;
      });
      expect(drained).toEqual({
        eniId: blueEni,
        card: 0,
        subnetId: subnets.blue,
        securityGroupIds: [groups.blue],
        reason: `subnet ${subnets.blue}, the ENIConfig says ${subnets.green}`,
      });
      expect(daemon.logLines().find((l) => l.eniId === blueEni && l.level === 'warn')?.msg).toBe(
        'custom networking: ENI no longer matches the ENIConfig; no new pods on it while another has room, freed once empty',
      );
      // The blue ENI still has a free address, yet new pods get green ones.
      const ip = ipOf(await daemon.client.addNetwork(addRequest('pod-3')));
      const enis = (await daemon.enis())['0']!.ENIs;
      expect(Object.keys(enis[greenEni]!.AvailableIPv4Cidrs)).toContain(`${ip}/32`);
      expect((await daemon.metrics()).value('vpcipamd_eni_config_mismatched_enis')).toBe(1);

      for (const pod of ['pod-1', 'pod-2'])
        expect((await daemon.client.delNetwork(delRequest(pod))).Success).toBe(true);
      // Freed once empty and past the 60 s minimum ENI lifetime: detached and deleted.
      await waitFor(
        'the old ENI to be freed',
        () => daemon.logLines().find((l) => l.msg === 'ENI freed' && l.eniId === blueEni),
        100_000,
        500,
      );
      expect((await node.ec2Enis()).map((eni) => eni.NetworkInterfaceId)).not.toContain(blueEni);
      expect(await node.leakedEnis()).toEqual([]);
      expect((await status(daemon)).mismatchedEnis).toEqual([]);
    });
  }, 180_000);

  it('the API server restarted mid-watch: the informers reconnect and see what changed meanwhile', async () => {
    await withKubeWorld(async (kube) => {
      const { api, subnets, groups } = kube;
      const { node, daemon } = await blueNode(kube);
      await eniPlacedAs(node, `${subnets.blue} ${groups.blue}`);
      await waitFor('both watches', () =>
        api.watching('/api/v1/nodes') === 1 && api.watching(ENI_CONFIGS) === 1 ? true : undefined,
      );
      await api.restart(async () => {
        api.patchNode(NODE_NAME, { labels: { [ANNOTATION]: 'green' } });
        await waitFor('the daemon to notice', () =>
          daemon.findLog('Kubernetes watch failed; reconnecting'),
        );
      });
      await eniPlacedAs(node, `${subnets.green} ${groups.green}`);
      expect((await status(daemon)).name).toBe('green');
      await waitFor('watching again', () =>
        api.watching('/api/v1/nodes') === 1 && api.watching(ENI_CONFIGS) === 1 ? true : undefined,
      );
    });
  }, 60_000);

  it('start-up blocks until the API server answers, with a repeated log line and a metric', async () => {
    await withKubeWorld(async ({ world, api, subnets }) => {
      api.putNode(NODE_NAME);
      api.putEniConfig('default', { subnet: subnets.blue });
      const node = await world.node({ instanceType: 'm5.large' });
      let daemon: DaemonProcess | undefined;
      await api.restart(async () => {
        daemon = node.spawn(kubeEnv(api, CUSTOM));
        const running = daemon;
        await waitFor(
          'two waiting lines',
          () =>
            running.logLines().filter((l) => l.msg === 'waiting for the Kubernetes API server')
              .length >= 2
              ? true
              : undefined,
          20_000,
        );
        const line = running.findLog('waiting for the Kubernetes API server');
        expect(line).toMatchObject({
          level: 'warn',
          server: api.url,
          neededBy: ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'],
        });
        const address = running.findLog('metrics listening')?.address as string;
        const metrics = new Metrics((await httpGet(address, '/metrics')).body);
        expect(metrics.value('vpcipamd_kubernetes_api_wait_attempts_total')).toBeGreaterThanOrEqual(
          1,
        );
        expect(running.findLog('ipamd serving')).toBeUndefined();
        expect(world.calls('CreateTags')).toBe(0);
      });
      await daemon!.ready();
      expect(daemon!.findLog('Kubernetes API reachable')).toBeDefined();
      await eniPlacedAs(node, `${subnets.blue} ${world.region.defaultSecurityGroupId}`);
    });
  }, 60_000);
});
