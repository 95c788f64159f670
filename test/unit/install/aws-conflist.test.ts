import { describe, expect, it } from 'vitest';
import { parseNetConf } from '../../../cni-shim/protocol/netconf.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { awsConflist, renderAwsConflist } from '../../../src/install/aws-conflist.ts';

function conflistFor(env: Record<string, string>) {
  return awsConflist(loadConfig(env).config) as {
    cniVersion: string;
    name: string;
    plugins: Record<string, unknown>[];
  };
}

/** What libcni hands each plugin of a list: its entry plus the list's name and version. */
function asRuntimePasses(list: ReturnType<typeof conflistFor>, index: number): string {
  return JSON.stringify({ cniVersion: list.cniVersion, name: list.name, ...list.plugins[index] });
}

describe('10-aws.conflist', () => {
  it('with no settings is the reference template filled with its defaults, portmap chained', () => {
    expect(conflistFor({})).toEqual({
      cniVersion: '0.4.0',
      name: 'aws-cni',
      disableCheck: true,
      plugins: [
        {
          name: 'aws-cni',
          type: 'aws-cni',
          vethPrefix: 'eni',
          mtu: '9001',
          podSGEnforcingMode: 'strict',
          pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
          pluginLogLevel: 'Debug',
          capabilities: { 'io.kubernetes.cri.pod-annotations': true },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    });
  });

  it('takes the veth prefix, MTU (POD_MTU over AWS_VPC_ENI_MTU), SGP mode and log settings', () => {
    const [plugin] = conflistFor({
      AWS_VPC_K8S_CNI_VETHPREFIX: 'veth',
      AWS_VPC_ENI_MTU: '1500',
      POD_SECURITY_GROUP_ENFORCING_MODE: 'standard',
      AWS_VPC_K8S_PLUGIN_LOG_FILE: 'stderr',
      AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'Info',
    }).plugins;
    expect(plugin).toMatchObject({
      vethPrefix: 'veth',
      mtu: '1500',
      podSGEnforcingMode: 'standard',
      pluginLogFile: 'stderr',
      pluginLogLevel: 'Info',
    });
    expect(conflistFor({ AWS_VPC_ENI_MTU: '1500', POD_MTU: '1280' }).plugins[0]).toMatchObject({
      mtu: '1280',
    });
  });

  it('appends bandwidth and the IPv6-disabling tuning plugin when asked, after portmap', () => {
    const types = conflistFor({
      ENABLE_BANDWIDTH_PLUGIN: 'true',
      DISABLE_POD_V6: 'true',
    }).plugins.map((p) => p.type);
    expect(types).toEqual(['aws-cni', 'portmap', 'bandwidth', 'tuning']);
  });

  it('is what our plugin parses back to the same settings', () => {
    const list = conflistFor({ AWS_VPC_K8S_CNI_VETHPREFIX: 'veth', POD_MTU: '1300' });
    const conf = parseNetConf(asRuntimePasses(list, 0), true);
    expect(conf).toMatchObject({
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'veth',
      mtu: 1300,
      podSGEnforcingMode: 'strict',
      ipamdSocket: '/var/run/aws-node/ipamd.sock',
    });
  });

  it('renders as indented JSON with a final newline', () => {
    const text = renderAwsConflist(loadConfig({}).config);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(conflistFor({}));
  });
});
