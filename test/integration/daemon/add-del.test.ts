import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { addRequest, delRequest, ipOf, waitFor, withWorld } from './harness.ts';

/**
 * AddNetwork / DelNetwork over the real socket (rpc.CNIBackend): idempotent ADD, DEL that
 * returns the address, the reference's exact unknown-pod error (old plugins match its text to
 * treat a repeated DEL as success), required fields, the client-version check, the CIDRs the
 * plugin needs for SNAT, and the pod-IP cooldown.
 */

async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected a gRPC error, got a reply');
}

describe.concurrent('ADD / DEL over gRPC', () => {
  it('repeat ADD, DEL, DEL of an unknown pod, missing fields, client versions, VPC CIDRs', async () => {
    await withWorld({ extraVpcCidrs: ['100.64.0.0/16'] }, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start({
        AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '192.168.0.0/16, 172.16.5.0/24',
      });
      const { client } = daemon;

      const first = await client.addNetwork(addRequest('a'));
      const ip = ipOf(first);
      // The reply carries what the plugin needs to program SNAT exclusions: the VPC's CIDRs, then
      // the configured exclusions (normalised), because external SNAT is off.
      expect(first.UseExternalSNAT).toBe(false);
      expect(first.VPCv4CIDRs).toEqual([
        '10.0.0.0/16',
        '100.64.0.0/16',
        '192.168.0.0/16',
        '172.16.5.0/24',
      ]);
      expect(first.IPAllocationMetadata).toHaveLength(1);
      expect(first.IPAllocationMetadata[0]).toMatchObject({ DeviceNumber: 0, RouteTableId: 254 });

      // Kubelet retries a sandbox: the same key gets the same address, and no second one.
      const again = await client.addNetwork(addRequest('a'));
      expect(ipOf(again)).toBe(ip);
      expect((await daemon.pool()).assignedIPs).toBe(1);

      const del = await client.delNetwork(delRequest('a'));
      expect(del.Success).toBe(true);
      expect(del.IPAllocationMetadata.map((m) => m.IPv4Addr)).toEqual([ip]);
      expect((await daemon.pool()).assignedIPs).toBe(0);

      // A second DEL: a real gRPC error with the reference's multierror text, exactly.
      const unknown = await grpcError(client.delNetwork(delRequest('a')));
      expect(unknown.code).toBe(grpc.status.UNKNOWN);
      expect(unknown.details).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');
      expect(unknown.details).toContain('datastore: unknown pod');

      // Missing ContainerID (or IfName / NetworkName): Success=false, not a gRPC error.
      for (const missing of ['ContainerID', 'IfName', 'NetworkName'] as const) {
        const reply = await client.addNetwork(addRequest('b', { [missing]: '' }));
        expect(reply.Success, missing).toBe(false);
        expect(reply.IPAllocationMetadata, missing).toEqual([]);
      }

      // The reference's plugins (v1.x, or no ClientVersion at all) and ours are served; a
      // well-formed version of another major line is refused before anything is assigned
      // (docs/compat.md).
      const wrong = await grpcError(
        client.addNetwork(addRequest('c', { ClientVersion: 'v2.0.0' })),
      );
      expect(wrong.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(wrong.details).toContain('"v2.0.0"');
      const wrongDel = await grpcError(
        client.delNetwork({ ...delRequest('a'), ClientVersion: 'v2.0.0' }),
      );
      expect(wrongDel.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect((await client.addNetwork(addRequest('d', { ClientVersion: 'v0.99.0' }))).Success).toBe(
        true,
      );
      expect((await client.addNetwork(addRequest('e', { ClientVersion: 'v1.23.1' }))).Success).toBe(
        true,
      );
      expect((await client.addNetwork(addRequest('f', { ClientVersion: '' }))).Success).toBe(true);
      expect((await daemon.pool()).assignedIPs).toBe(3);

      // The network-policy agent's view of the node.
      const npa = await client.networkPolicyConfigs();
      expect(npa).toMatchObject({
        InstanceID: node.instance.instanceId,
        NodeIPv4: node.instance.primaryIp,
        Region: 'us-west-2',
        MultiNICEnabled: false,
      });
    });
  }, 60_000);

  it('external SNAT: the exclusions are not appended and UseExternalSNAT is set', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const daemon = await node.start({
        AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true',
        AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '192.168.0.0/16',
      });
      const reply = await daemon.client.addNetwork(addRequest('a'));
      expect(reply.Success).toBe(true);
      expect(reply.UseExternalSNAT).toBe(true);
      expect(reply.VPCv4CIDRs).toEqual(['10.0.0.0/16']);
    });
  }, 60_000);

  it('a freshly deleted address is not handed out again within IP_COOLDOWN_PERIOD', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      // One ENI, filled at start with 9 secondaries (WARM_ENI_TARGET=1): once 9 pods run, the only
      // address that is not assigned is the one a DEL just released, and the pool cannot grow.
      // The cooldown is the default 30 s; the next ADD comes milliseconds after the DEL.
      const daemon = await node.start({ MAX_ENI: '1' });
      const { client } = daemon;
      const ips: string[] = [];
      for (let i = 0; i < 9; i++) ips.push(ipOf(await client.addNetwork(addRequest(`p${i}`))));
      expect(new Set(ips).size).toBe(9);
      expect(await daemon.pool()).toMatchObject({ enis: 1, totalIPs: 9, assignedIPs: 9 });

      const deleted = await client.delNetwork(delRequest('p4'));
      const cooling = deleted.IPAllocationMetadata[0]?.IPv4Addr;
      expect(cooling).toBe(ips[4]);

      // The ADD does not get the cooling address; with nothing on its way it fails at once
      // instead of waiting out ADD_WAIT_SECONDS (the pool manager found nothing to grow).
      const next = await client.addNetwork(addRequest('new'));
      expect(next.Success).toBe(false);
      expect(next.IPAllocationMetadata).toEqual([]);
      const metrics = await daemon.metrics();
      expect(metrics.value('vpcipamd_add_wait_seconds_count', { outcome: 'no_capacity' })).toBe(1);
      expect(metrics.value('awscni_no_available_ip_addresses')).toBe(1);

      const view = await daemon.enis();
      const eni = Object.values(view['0']?.ENIs ?? {})[0];
      const entry = eni?.AvailableIPv4Cidrs[`${cooling}/32`]?.IPAddresses[cooling ?? ''];
      expect(entry?.IPAMKey.networkName).toBe('');
      expect(entry?.UnassignedTime).not.toBe('0001-01-01T00:00:00Z');
    });
  }, 60_000);

  it('an ADD whose caller gave up while it waited for capacity takes no address later', async () => {
    // The ENI the pool manager creates takes 4 s to come; the plugin's call gives up after
    // 300 ms. Kubelet then DELs the failed sandbox, which finds nothing. Before the fix the
    // waiting ADD still took an address when the ENI arrived: leaked, as no DEL would come.
    const slowCreate = {
      defaultAction: { minMs: 0, maxMs: 0 },
      actions: { CreateNetworkInterface: { minMs: 4_000, maxMs: 4_000 } },
      attach: { minMs: 0, maxMs: 0 },
      detach: { minMs: 0, maxMs: 0 },
    };
    await withWorld({ latency: slowCreate }, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      const { client } = daemon;
      // 9 pods take the warm pool; the first one already set the new ENI on its way.
      for (let i = 0; i < 9; i++) ipOf(await client.addNetwork(addRequest(`p${i}`)));

      const gaveUp = await grpcError(client.addNetwork(addRequest('late'), 300));
      expect(gaveUp.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      const del = await grpcError(client.delNetwork(delRequest('late')));
      expect(del.details).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');
      // It stopped waiting at once, so it is no longer counted as demand either.
      expect((await daemon.metrics()).value('vpcipamd_waiting_adds')).toBe(0);

      await waitFor('the new ENI', async () =>
        (await daemon.pool()).totalIPs === 18 ? true : undefined,
      );
      expect(await daemon.pool()).toMatchObject({ enis: 2, assignedIPs: 9 });
      expect(node.checkpoint().allocations.map((a) => a.containerID)).not.toContain('cid-late');
      const metrics = await daemon.metrics();
      expect(metrics.value('vpcipamd_add_wait_seconds_count', { outcome: 'cancelled' })).toBe(1);
      // A later ADD for the same pod (kubelet retrying the sandbox) is served normally.
      expect((await client.addNetwork(addRequest('late'))).Success).toBe(true);
    });
  }, 60_000);
});
