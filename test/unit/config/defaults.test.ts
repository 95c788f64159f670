import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { Config } from '../../../src/config/types.ts';

/**
 * Every field's default from an empty environment, each traced to its source:
 * I = read by the reference's ipamd, N = by its networkutils, E = by its entrypoint and init
 * (aws-vpc-cni, aws-vpc-cni-init, misc/10-aws.conflist), H = networkutils' host-networking
 * variables, O = ours (docs/compat.md).
 */
const DEFAULTS: { readonly [K in keyof Config]: Config[K] } = {
  enableIPv4: true, // I: code says false; README/manifest true — compat.md
  enableIPv6: false, // I
  warmEniTarget: 1, // I
  warmIpTarget: 0, // I: 0 = "not defined"
  minimumIpTarget: 0, // I
  warmPrefixTarget: 0, // I
  enablePrefixDelegation: false, // I
  maxEni: undefined, // I: unset (-1) = no cap
  ipCooldownSeconds: 30, // I
  warmPoolMode: 'reactive', // O
  addWaitSeconds: 10, // O
  customNetworking: false, // I
  eniConfigLabelKey: 'k8s.amazonaws.com/eniConfig', // I
  eniConfigAnnotationKey: 'k8s.amazonaws.com/eniConfig', // I
  enableSubnetDiscovery: true, // I
  manageEnisNonSchedulable: false, // I
  manageUntaggedEni: true, // I
  disableNetworkResourceProvisioning: false, // I
  imdsOnlyMode: false, // I
  disableLeakedEniCleanup: false, // I
  enablePodEni: false, // I
  enableMultiNic: false, // I
  annotatePodIp: false, // I
  networkPolicyMode: '', // I: unset → "" (manifest: standard)
  clusterName: '', // I
  additionalEniTags: {}, // I: "" → no tags
  backingStorePath: '/var/run/aws-node/ipam.json', // I
  nodeName: '', // I: downward API
  podName: '', // I
  vpcCniVersion: '', // I
  ec2Endpoint: '', // I
  imdsEndpoint: '', // O: the SDK's AWS_EC2_METADATA_SERVICE_ENDPOINT
  region: '', // O: AWS_REGION / AWS_DEFAULT_REGION, else IMDS
  httpTimeoutSeconds: 10, // I
  clusterEndpoint: '', // I
  grpcSocketPath: '/var/run/aws-node/ipamd.sock', // I: the reference's fixed socket (since v1.23.0)
  ec2RateLimits: {}, // O: EC2's documented buckets apply
  introspectionBindAddress: '127.0.0.1:61679', // I
  metricsBindAddress: ':61678', // O: the reference's fixed :61678 — compat.md
  disableIntrospection: false, // I
  disableMetrics: false, // I
  logLevel: 'debug', // I: "Debug", as a pino level
  logFile: '/host/var/log/aws-routed-eni/ipamd.log', // I
  disableHostNetworking: false, // O
  externalSnat: false, // N
  excludeSnatCidrs: [], // N
  randomizeSnat: 'prng', // N
  nodePortSupport: true, // N
  connmark: 0x80, // N
  externalServiceCidrs: [], // N
  eniMtu: 9001, // N
  vethPrefix: 'eni', // N
  enableV6Egress: false, // N
  podSgEnforcingMode: 'strict', // N
  podMtu: 9001, // E: = AWS_VPC_ENI_MTU
  pluginLogFile: '/var/log/aws-routed-eni/plugin.log', // E
  pluginLogLevel: 'Debug', // E: kept as given
  egressV4PluginLogFile: '/var/log/aws-routed-eni/egress-v4-plugin.log', // E: misc/10-aws.conflist
  egressV6PluginLogFile: '/var/log/aws-routed-eni/egress-v6-plugin.log', // E: misc/10-aws.conflist
  enableBandwidthPlugin: false, // E
  disablePodV6: false, // E
  enableV4Egress: true, // E
  hostCniBinPath: '/host/opt/cni/bin', // E
  hostCniConfDirPath: '/host/etc/cni/net.d', // E
  disableTcpEarlyDemux: false, // E
};

describe('defaults (empty environment)', () => {
  const { config, warnings } = loadConfig({});

  it('loads without warnings', () => {
    expect(warnings).toEqual([]);
  });

  it('has exactly the fields listed here, so a new field needs a traced default', () => {
    expect(Object.keys(config).sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it.each(Object.entries(DEFAULTS))('%s', (field, expected) => {
    expect(Object.hasOwn(config, field)).toBe(true);
    expect(config[field as keyof Config]).toStrictEqual(expected);
  });

  it('variables set to the empty string read as unset where the reference uses os.Getenv', () => {
    const emptyAll: Record<string, string> = {};
    for (const name of [
      'WARM_ENI_TARGET',
      'WARM_IP_TARGET',
      'MINIMUM_IP_TARGET',
      'WARM_PREFIX_TARGET',
      'MAX_ENI',
      'IP_COOLDOWN_PERIOD',
      'WARM_POOL_MODE',
      'ADD_WAIT_SECONDS',
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG',
      'ENI_CONFIG_LABEL_DEF',
      'ENI_CONFIG_ANNOTATION_DEF',
      'ENABLE_SUBNET_DISCOVERY',
      'AWS_MANAGE_ENIS_NON_SCHEDULABLE',
      'NETWORK_POLICY_ENFORCING_MODE',
      'CLUSTER_NAME',
      'ADDITIONAL_ENI_TAGS',
      'AWS_VPC_K8S_CNI_BACKING_STORE',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'HTTP_TIMEOUT',
      'IPAMD_GRPC_SOCKET',
      'EC2_API_RATE_LIMITS',
      'INTROSPECTION_BIND_ADDRESS',
      'METRICS_BIND_ADDRESS',
      'AWS_VPC_K8S_CNI_LOGLEVEL',
      'AWS_VPC_K8S_CNI_LOG_FILE',
      'AWS_VPC_K8S_CNI_EXTERNALSNAT',
      'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS',
      'AWS_VPC_K8S_CNI_RANDOMIZESNAT',
      'AWS_VPC_CNI_NODE_PORT_SUPPORT',
      'AWS_VPC_K8S_CNI_CONNMARK',
      'AWS_EXTERNAL_SERVICE_CIDRS',
      'AWS_VPC_ENI_MTU',
      'AWS_VPC_K8S_CNI_VETHPREFIX',
      'ENABLE_V6_EGRESS',
      'POD_SECURITY_GROUP_ENFORCING_MODE',
      'POD_MTU',
      'AWS_VPC_K8S_PLUGIN_LOG_FILE',
      'AWS_VPC_K8S_PLUGIN_LOG_LEVEL',
      'AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE',
      'AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE',
      'ENABLE_BANDWIDTH_PLUGIN',
      'DISABLE_POD_V6',
      'ENABLE_V4_EGRESS',
      'HOST_CNI_BIN_PATH',
      'HOST_CNI_CONFDIR_PATH',
      'DISABLE_TCP_EARLY_DEMUX',
    ]) {
      emptyAll[name] = '';
    }
    const loaded = loadConfig(emptyAll);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toStrictEqual(config);
  });
});
