import type { EnvReader } from './env-reader.ts';
import type { Config } from './types.ts';

type PluginFields =
  | 'pluginLogFile'
  | 'pluginLogLevel'
  | 'egressV4PluginLogFile'
  | 'egressV6PluginLogFile'
  | 'enableBandwidthPlugin'
  | 'disablePodV6'
  | 'enableV4Egress'
  | 'hostCniBinPath'
  | 'hostCniConfDirPath'
  | 'disableTcpEarlyDemux';

/** What the reference's entrypoint and init container read: the conflist and the CNI install. */
export function readPlugin(r: EnvReader): Pick<Config, PluginFields> {
  const pluginLogFile = r.string(
    'AWS_VPC_K8S_PLUGIN_LOG_FILE',
    '/var/log/aws-routed-eni/plugin.log',
  );
  // The plugin's stdout is its CNI result; a log line there corrupts every ADD.
  if (pluginLogFile === 'stdout') {
    r.fatal(
      'AWS_VPC_K8S_PLUGIN_LOG_FILE="stdout" would corrupt the CNI result on stdout; use stderr or a file path',
    );
  }
  return {
    pluginLogFile,
    pluginLogLevel: r.string('AWS_VPC_K8S_PLUGIN_LOG_LEVEL', 'Debug'),
    egressV4PluginLogFile: r.string(
      'AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE',
      '/var/log/aws-routed-eni/egress-v4-plugin.log',
    ),
    egressV6PluginLogFile: r.string(
      'AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE',
      '/var/log/aws-routed-eni/egress-v6-plugin.log',
    ),
    enableBandwidthPlugin: r.boolB('ENABLE_BANDWIDTH_PLUGIN', false),
    disablePodV6: r.boolB('DISABLE_POD_V6', false),
    enableV4Egress: r.boolB('ENABLE_V4_EGRESS', true),
    hostCniBinPath: r.string('HOST_CNI_BIN_PATH', '/host/opt/cni/bin'),
    hostCniConfDirPath: r.string('HOST_CNI_CONFDIR_PATH', '/host/etc/cni/net.d'),
    disableTcpEarlyDemux: r.boolB('DISABLE_TCP_EARLY_DEMUX', false),
  };
}
