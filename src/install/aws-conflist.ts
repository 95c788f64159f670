import type { Config } from '../config/types.ts';

/**
 * The network configuration list the install step writes to the runtime's CNI directory: the
 * reference's misc/10-aws.conflist with its placeholders filled from the same settings
 * (AWS_VPC_K8S_CNI_VETHPREFIX, POD_MTU/AWS_VPC_ENI_MTU, POD_SECURITY_GROUP_ENFORCING_MODE,
 * AWS_VPC_K8S_PLUGIN_LOG_FILE/LEVEL), chained with portmap, and with bandwidth and tuning appended
 * as ENABLE_BANDWIDTH_PLUGIN and DISABLE_POD_V6 ask. The reference's egress-cni entry is left out:
 * we do not ship that plugin, and a runtime fails every ADD whose list names a binary it cannot
 * find (docs/compat.md).
 */

export const CONFLIST_FILE_NAME = '10-aws.conflist';

/** The reference's list version; runtimes of every age accept it. */
const CONFLIST_CNI_VERSION = '0.4.0';

export function awsConflist(config: Config): Record<string, unknown> {
  const plugins: Record<string, unknown>[] = [
    {
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: config.vethPrefix,
      mtu: String(config.podMtu),
      podSGEnforcingMode: config.podSgEnforcingMode,
      pluginLogFile: config.pluginLogFile,
      pluginLogLevel: config.pluginLogLevel,
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
    },
    { type: 'portmap', capabilities: { portMappings: true }, snat: true },
  ];
  if (config.enableBandwidthPlugin) {
    plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true } });
  }
  if (config.disablePodV6) {
    plugins.push({
      type: 'tuning',
      sysctl: {
        'net.ipv6.conf.all.disable_ipv6': '1',
        'net.ipv6.conf.default.disable_ipv6': '1',
        'net.ipv6.conf.lo.disable_ipv6': '1',
      },
    });
  }
  return { cniVersion: CONFLIST_CNI_VERSION, name: 'aws-cni', disableCheck: true, plugins };
}

/** The file's text: indented JSON and a final newline. */
export function renderAwsConflist(config: Config): string {
  return `${JSON.stringify(awsConflist(config), null, 2)}\n`;
}
