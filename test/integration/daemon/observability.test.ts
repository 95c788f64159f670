import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRequest, delRequest, type EnisView, httpGet, ipOf, withWorld } from './harness.ts';

/**
 * What operators and the CNI plugin see of a running daemon: the reference's Prometheus metrics
 * (names, types, labels), the introspection API (the reference's handlers), the switches that
 * turn both off, and the gRPC socket file (upstream PR #3739: mode 0660, a stale file replaced).
 */

/** The reference's metrics this daemon must export, with their types and label names. */
const REFERENCE_METRICS: Record<string, { type: string; labels: string[] }> = {
  awscni_build_info: { type: 'gauge', labels: ['version', 'goversion'] },
  awscni_eni_max: { type: 'gauge', labels: [] },
  awscni_ip_max: { type: 'gauge', labels: [] },
  awscni_eni_allocated: { type: 'gauge', labels: [] },
  awscni_total_ip_addresses: { type: 'gauge', labels: [] },
  awscni_assigned_ip_addresses: { type: 'gauge', labels: [] },
  awscni_total_ipv4_prefixes: { type: 'gauge', labels: [] },
  awscni_assigned_ip_per_cidr: { type: 'gauge', labels: ['cidr'] },
  awscni_add_ip_req_count: { type: 'counter', labels: [] },
  awscni_del_ip_req_count: { type: 'counter', labels: ['reason'] },
  awscni_ec2api_req_count: { type: 'counter', labels: ['fn'] },
  awscni_aws_api_latency_ms: { type: 'summary', labels: ['api', 'error', 'status'] },
  awscni_no_available_ip_addresses: { type: 'counter', labels: [] },
  awscni_ipamd_startup_duration_seconds: {
    type: 'histogram',
    labels: ['success', 'with_api_server', 'failure_reason'],
  },
  awscni_ipamd_node_initialization_duration_seconds: { type: 'histogram', labels: ['success'] },
};

/** Declared (TYPE line) but without samples until something happens. */
const REFERENCE_METRICS_DECLARED = [
  'awscni_ipamd_error_count',
  'awscni_ipamd_action_inprogress',
  'awscni_reconcile_count',
  'awscni_pod_eni_error_count',
  'awscni_aws_api_error_count',
  'awscni_aws_utils_error_count',
  'awscni_ec2api_error_count',
  'awscni_force_removed_enis',
  'awscni_force_removed_ips',
  'awscni_assigned_ip_per_eni',
];

describe.concurrent('metrics, introspection and the socket', () => {
  it('serves the reference metrics and introspection; replaces a stale socket file, mode 0660', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      // A stale file where the socket goes (a previous daemon was killed): it is replaced.
      writeFileSync(node.socketPath, 'stale');
      const daemon = await node.start();
      const socket = statSync(node.socketPath);
      expect(socket.isSocket()).toBe(true);
      expect(socket.mode & 0o777).toBe(0o660);
      // Both health services the probes use answer SERVING.
      for (const service of ['', 'grpc.health.v1.aws-node']) {
        expect((await daemon.client.healthCheck(service)).status, service).toBe('SERVING');
      }

      const ips = [];
      for (const name of ['a', 'b', 'c']) {
        ips.push(ipOf(await daemon.client.addNetwork(addRequest(name))));
      }
      await daemon.client.delNetwork(delRequest('a', 'PodDeleted'));
      await daemon.client.delNetwork(delRequest('b', 'SetupNSFailed'));
      await daemon.client.delNetwork(delRequest('a', 'PodDeleted')).catch(() => undefined);

      const metrics = await daemon.metrics();
      for (const [name, { type, labels }] of Object.entries(REFERENCE_METRICS)) {
        expect(metrics.types.get(name), name).toBe(type);
        const samples = metrics.samples.filter(
          (s) =>
            s.name === name ||
            (s.name.startsWith(`${name}_`) && /_(sum|count|bucket)$/.test(s.name)),
        );
        expect(samples.length, `${name} has samples`).toBeGreaterThan(0);
        for (const sample of samples) {
          const own = Object.keys(sample.labels).filter((l) => l !== 'quantile' && l !== 'le');
          expect(own.sort(), name).toEqual([...labels].sort());
        }
      }
      for (const name of REFERENCE_METRICS_DECLARED)
        expect(metrics.types.has(name), name).toBe(true);

      // Values: m5.large has 3 ENIs × 9; the pool is the primary with 9 after start.
      expect(metrics.value('awscni_eni_max')).toBe(3);
      expect(metrics.value('awscni_ip_max')).toBe(27);
      expect(metrics.value('awscni_add_ip_req_count')).toBe(3);
      expect(metrics.value('awscni_del_ip_req_count', { reason: 'PodDeleted' })).toBe(2);
      expect(metrics.value('awscni_del_ip_req_count', { reason: 'SetupNSFailed' })).toBe(1);
      const view = await daemon.enis();
      expect(metrics.value('awscni_total_ip_addresses')).toBe(view['0']?.TotalIPs);
      expect(metrics.value('awscni_assigned_ip_addresses')).toBe(1);
      expect(metrics.value('awscni_assigned_ip_per_cidr', { cidr: `${ips[2]}/32` })).toBe(1);
      expect(metrics.value('awscni_build_info')).toBe(1);
      // The daemon counted every EC2 call the region received (it is the only client).
      for (const action of [
        'AssignPrivateIpAddresses',
        'CreateTags',
        'DescribeNetworkInterfaces',
      ]) {
        expect(metrics.value('awscni_ec2api_req_count', { fn: action }), action).toBe(
          world.calls(action),
        );
        expect(
          metrics.value('awscni_aws_api_latency_ms_count', {
            api: action,
            error: 'false',
            status: '200',
          }),
          action,
        ).toBe(world.calls(action));
      }

      // Introspection: `/` and unknown paths list the four commands.
      const paths = [
        '/v1/enis',
        '/v1/eni-configs',
        '/v1/networkutils-env-settings',
        '/v1/ipamd-env-settings',
      ];
      for (const path of ['/', '/v1/pods', '/nothing']) {
        const answer = await daemon.introspect(path);
        expect(answer.status, path).toBe(200);
        expect(JSON.parse(answer.body).AvailableCommands.sort(), path).toEqual([...paths].sort());
      }
      // No API server: the Node cannot be read, so no ENIConfig name (the reference's 404).
      expect((await daemon.introspect('/v1/eni-configs')).status).toBe(404);

      // /v1/enis: Go field names; the IPAM key's containerID and ifName scrubbed.
      const raw = await daemon.introspect('/v1/enis');
      expect(raw.contentType).toContain('application/json');
      expect(raw.body).not.toContain('cid-');
      const card = view['0'];
      expect(Object.keys(view)).toEqual(['0']);
      expect(Object.keys(card ?? {}).sort()).toEqual(['AssignedIPs', 'ENIs', 'TotalIPs']);
      const eni = card?.ENIs[node.instance.primaryEniId];
      expect(Object.keys(eni ?? {}).sort()).toEqual(
        [
          'AvailableIPv4Cidrs',
          'DeviceNumber',
          'ID',
          'IPv6Cidrs',
          'IsEFA',
          'IsExcludedForPodIPs',
          'IsPrimary',
          'IsTrunk',
          'RouteTableID',
          'SubnetID',
        ].sort(),
      );
      expect(eni).toMatchObject({
        ID: node.instance.primaryEniId,
        IsPrimary: true,
        DeviceNumber: 0,
      });
      const cidr = (JSON.parse(raw.body) as EnisView)['0']?.ENIs[node.instance.primaryEniId]
        ?.AvailableIPv4Cidrs[`${ips[2]}/32`];
      expect(cidr).toMatchObject({
        Cidr: { IP: ips[2], Mask: '/////w==' },
        IsPrefix: false,
        AddressFamily: '',
      });
      const address = cidr?.IPAddresses[ips[2] ?? ''];
      expect(address).toMatchObject({
        Address: ips[2],
        IPAMKey: { networkName: 'aws-cni', containerID: '', ifName: '' },
        IPAMMetadata: { k8sPodNamespace: 'default', k8sPodName: 'c', interfacesCount: 1 },
        UnassignedTime: '0001-01-01T00:00:00Z',
      });
      expect(address?.AssignedTime).toMatch(/^\d{4}-\d\d-\d\dT/);

      const ipamdEnv = JSON.parse((await daemon.introspect('/v1/ipamd-env-settings')).body);
      expect(Object.keys(ipamdEnv).sort()).toEqual(
        [
          'AWS_MANAGE_ENIS_NON_SCHEDULABLE',
          'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG',
          'ENABLE_SUBNET_DISCOVERY',
          'WARM_ENI_TARGET',
          'WARM_IP_TARGET',
        ].sort(),
      );
      expect(ipamdEnv).toMatchObject({ WARM_ENI_TARGET: 1, WARM_IP_TARGET: 0 });
      const netEnv = JSON.parse((await daemon.introspect('/v1/networkutils-env-settings')).body);
      expect(netEnv).toMatchObject({
        AWS_VPC_K8S_CNI_CONNMARK: 128,
        AWS_VPC_K8S_CNI_EXTERNALSNAT: false,
        AWS_VPC_ENI_MTU: 9001,
        AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
        AWS_VPC_CNI_NODE_PORT_SUPPORT: true,
        AWS_VPC_K8S_CNI_RANDOMIZESNAT: 2,
      });
    });
  }, 60_000);

  it('DISABLE_METRICS and DISABLE_INTROSPECTION turn both servers off', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      // Unix sockets as bind addresses: whether anything listens is visible as a file.
      const metricsSocket = join(node.dir, 'metrics.sock');
      const introspectionSocket = join(node.dir, 'introspection.sock');
      const addresses = {
        METRICS_BIND_ADDRESS: `unix:${metricsSocket}`,
        INTROSPECTION_BIND_ADDRESS: `unix:${introspectionSocket}`,
      };

      const on = await node.start(addresses);
      expect(on.metricsAddress).toBe(`unix:${metricsSocket}`);
      expect((await httpGet(`unix:${metricsSocket}`, '/metrics')).status).toBe(200);
      expect((await httpGet(`unix:${introspectionSocket}`, '/v1/enis')).status).toBe(200);
      expect(await on.stop()).toEqual({ code: 0, signal: null });

      // Also: a socket directory that does not exist yet is created 0755 (upstream PR #3739).
      const socketDir = join(node.dir, 'run', 'aws-node');
      const off = await node.start({
        ...addresses,
        DISABLE_METRICS: 'true',
        DISABLE_INTROSPECTION: 'true',
        IPAMD_GRPC_SOCKET: join(socketDir, 'ipamd.sock'),
      });
      expect(statSync(socketDir).mode & 0o777).toBe(0o755);
      expect(statSync(join(socketDir, 'ipamd.sock')).mode & 0o777).toBe(0o660);
      const serving = off.findLog('ipamd serving');
      expect(serving).toBeDefined();
      expect(serving?.metricsAddress).toBeUndefined();
      expect(serving?.introspectionAddress).toBeUndefined();
      expect(existsSync(metricsSocket)).toBe(false);
      expect(existsSync(introspectionSocket)).toBe(false);
      // The CNI API is unaffected.
      expect((await off.client.addNetwork(addRequest('a'))).Success).toBe(true);
    });
  }, 60_000);
});
