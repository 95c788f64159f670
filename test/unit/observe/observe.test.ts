import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import {
  ipamdEnvSettings,
  networkUtilsEnvSettings,
} from '../../../src/observe/env-settings-view.ts';
import { closeServer, listen, parseListenAddress } from '../../../src/observe/http-listener.ts';
import { createIntrospectionServer } from '../../../src/observe/introspection.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdMetrics } from '../../../src/observe/metrics.ts';
import { createMetricsServer } from '../../../src/observe/metrics-server.ts';

function get(
  target: { socketPath?: string; port?: number },
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...target, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listen addresses', () => {
  it.each([
    ['127.0.0.1:61679', { kind: 'tcp', host: '127.0.0.1', port: 61679 }],
    [':61678', { kind: 'tcp', host: undefined, port: 61678 }],
    ['[::1]:80', { kind: 'tcp', host: '::1', port: 80 }],
    ['unix:/run/x.sock', { kind: 'unix', path: '/run/x.sock' }],
    ['unix:///run/x.sock', { kind: 'unix', path: '/run/x.sock' }],
  ])('%s', (address, target) => {
    expect(parseListenAddress(address)).toEqual(target);
  });

  it.each(['localhost', '127.0.0.1:port', 'unix:', '1.2.3.4:70000'])(
    'rejects %j with the address in the message',
    (bad) => {
      expect(() => parseListenAddress(bad)).toThrow(bad);
    },
  );
});

describe('introspection API (reference paths and shapes)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function serve(eniConfig: string | undefined) {
    const config = defaultConfig({ excludeSnatCidrs: ['10.10.0.0/16'], warmIpTarget: 3 });
    const server = createIntrospectionServer(
      {
        enis: () => ({ '0': { TotalIPs: 9, AssignedIPs: 1, ENIs: {} } }),
        eniConfigName: async () => eniConfig,
        networkUtilsEnvSettings: () => networkUtilsEnvSettings(config),
        ipamdEnvSettings: () => ipamdEnvSettings(config),
      },
      silentLogger(),
    );
    const bound = await listen(server, parseListenAddress('127.0.0.1:0'));
    closers.push(() => closeServer(server));
    return Number(bound.split(':').pop());
  }

  it('lists the four commands at / and at unknown paths; /v1/pods is gone', async () => {
    const port = await serve('default');
    for (const path of ['/', '/v1/pods', '/nope']) {
      const { status, body } = await get({ port }, path);
      expect(status).toBe(200);
      expect(JSON.parse(body).AvailableCommands.sort()).toEqual([
        '/v1/eni-configs',
        '/v1/enis',
        '/v1/ipamd-env-settings',
        '/v1/networkutils-env-settings',
      ]);
    }
  });

  it('serves the env settings in the reference key names and JSON types', async () => {
    const port = await serve('default');
    expect(JSON.parse((await get({ port }, '/v1/networkutils-env-settings')).body)).toEqual({
      AWS_VPC_K8S_CNI_CONNMARK: 128,
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: ['10.10.0.0/16'],
      AWS_VPC_K8S_CNI_EXTERNALSNAT: false,
      AWS_EXTERNAL_SERVICE_CIDRS: null,
      AWS_VPC_ENI_MTU: 9001,
      AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
      AWS_VPC_CNI_NODE_PORT_SUPPORT: true,
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 2,
    });
    expect(JSON.parse((await get({ port }, '/v1/ipamd-env-settings')).body)).toEqual({
      WARM_IP_TARGET: 3,
      WARM_ENI_TARGET: 1,
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: false,
      AWS_MANAGE_ENIS_NON_SCHEDULABLE: false,
      ENABLE_SUBNET_DISCOVERY: true,
    });
    expect(JSON.parse((await get({ port }, '/v1/enis')).body)).toEqual({
      '0': { TotalIPs: 9, AssignedIPs: 1, ENIs: {} },
    });
  });

  it('reports no exclusions under external SNAT, and the randomize mode as its number', () => {
    const settings = networkUtilsEnvSettings(
      defaultConfig({
        externalSnat: true,
        excludeSnatCidrs: ['10.1.0.0/16'],
        randomizeSnat: 'hashrandom',
      }),
    );
    expect(settings.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS).toBeNull();
    expect(settings.AWS_VPC_K8S_CNI_RANDOMIZESNAT).toBe(1);
  });

  it('answers the ENIConfig name as a JSON string, 404 without a Node', async () => {
    expect(
      JSON.parse((await get({ port: await serve('us-west-2a') }, '/v1/eni-configs')).body),
    ).toBe('us-west-2a');
    expect((await get({ port: await serve(undefined) }, '/v1/eni-configs')).status).toBe(404);
  });

  it('serves our /v1/eni-config-status and /v1/max-pods when given, without listing them', async () => {
    const config = defaultConfig({});
    const server = createIntrospectionServer(
      {
        enis: () => ({}),
        eniConfigName: async () => 'blue',
        eniConfigStatus: () => ({ customNetworking: true, state: 'ready', name: 'blue' }),
        maxPods: () => ({ maxPods: 110, source: 'kubelet' }),
        networkUtilsEnvSettings: () => networkUtilsEnvSettings(config),
        ipamdEnvSettings: () => ipamdEnvSettings(config),
      },
      silentLogger(),
    );
    const port = Number((await listen(server, parseListenAddress('127.0.0.1:0'))).split(':').pop());
    closers.push(() => closeServer(server));
    expect(JSON.parse((await get({ port }, '/v1/eni-config-status')).body)).toEqual({
      customNetworking: true,
      state: 'ready',
      name: 'blue',
    });
    expect(JSON.parse((await get({ port }, '/v1/max-pods')).body)).toEqual({
      maxPods: 110,
      source: 'kubelet',
    });
    expect(JSON.parse((await get({ port }, '/')).body).AvailableCommands).toHaveLength(4);
    // Without the sources they are unknown paths.
    const plain = await serve('default');
    expect(
      JSON.parse((await get({ port: plain }, '/v1/max-pods')).body).AvailableCommands,
    ).toHaveLength(4);
  });

  it('listens on a unix: address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipamd-intro-'));
    const server = createIntrospectionServer(
      {
        enis: () => ({}),
        eniConfigName: async () => undefined,
        networkUtilsEnvSettings: () => ({}),
        ipamdEnvSettings: () => ({}),
      },
      silentLogger(),
    );
    await listen(server, parseListenAddress(`unix:${join(dir, 'i.sock')}`));
    closers.push(async () => {
      await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    });
    expect((await get({ socketPath: join(dir, 'i.sock') }, '/v1/enis')).body).toBe('{}');
  });
});

describe('metrics', () => {
  it('exports the reference names, types and labels, and ours', async () => {
    const metrics = new IpamdMetrics('v0.1.0');
    metrics.delIpRequests.inc({ reason: 'PodDeleted' });
    metrics.assignedIpPerCidr.set({ cidr: '10.0.0.0/28' }, 3);
    metrics.awsApiLatency.observe(
      { api: 'AssignPrivateIpAddresses', error: 'false', status: '200' },
      42,
    );
    const server = createMetricsServer(metrics.registry);
    const bound = await listen(server, parseListenAddress('127.0.0.1:0'));
    try {
      const port = Number(bound.split(':').pop());
      const { status, body } = await get({ port }, '/metrics');
      expect(status).toBe(200);
      for (const line of [
        '# TYPE awscni_build_info gauge',
        'awscni_build_info{version="v0.1.0",goversion="',
        '# TYPE awscni_add_ip_req_count counter',
        'awscni_del_ip_req_count{reason="PodDeleted"} 1',
        'awscni_assigned_ip_per_cidr{cidr="10.0.0.0/28"} 3',
        '# TYPE awscni_aws_api_latency_ms summary',
        'awscni_aws_api_latency_ms_count{api="AssignPrivateIpAddresses",error="false",status="200"} 1',
        '# TYPE awscni_ipamd_startup_duration_seconds histogram',
        '# TYPE awscni_force_removed_enis counter',
        '# TYPE awscni_no_available_ip_addresses counter',
        '# TYPE vpcipamd_add_wait_seconds histogram',
        '# TYPE vpcipamd_pool_wakeups_total counter',
      ]) {
        expect(body).toContain(line);
      }
      expect((await get({ port }, '/other')).status).toBe(404);
    } finally {
      await closeServer(server);
    }
  });
});
