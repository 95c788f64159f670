import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { Config } from '../../../src/config/types.ts';
import { expectOneWarning } from './helpers.ts';

type Field = keyof Config;

/** Bool A variables: [variable, field, default]. */
const BOOL_A: readonly [string, Field, boolean][] = [
  ['ENABLE_IPv4', 'enableIPv4', true],
  ['ENABLE_IPv6', 'enableIPv6', false],
  ['ENABLE_PREFIX_DELEGATION', 'enablePrefixDelegation', false],
  ['MANAGE_UNTAGGED_ENI', 'manageUntaggedEni', true],
  ['DISABLE_NETWORK_RESOURCE_PROVISIONING', 'disableNetworkResourceProvisioning', false],
  ['ENABLE_IMDS_ONLY_MODE', 'imdsOnlyMode', false],
  ['DISABLE_LEAKED_ENI_CLEANUP', 'disableLeakedEniCleanup', false],
  ['ENABLE_POD_ENI', 'enablePodEni', false],
  ['ENABLE_MULTI_NIC', 'enableMultiNic', false],
  ['ANNOTATE_POD_IP', 'annotatePodIp', false],
  ['DISABLE_INTROSPECTION', 'disableIntrospection', false],
  ['DISABLE_METRICS', 'disableMetrics', false],
  ['DISABLE_HOST_NETWORKING', 'disableHostNetworking', false],
];

/** Bool B variables: [variable, field, default]. */
const BOOL_B: readonly [string, Field, boolean][] = [
  ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', 'customNetworking', false],
  ['ENABLE_SUBNET_DISCOVERY', 'enableSubnetDiscovery', true],
  ['AWS_MANAGE_ENIS_NON_SCHEDULABLE', 'manageEnisNonSchedulable', false],
  ['AWS_VPC_K8S_CNI_EXTERNALSNAT', 'externalSnat', false],
  ['AWS_VPC_CNI_NODE_PORT_SUPPORT', 'nodePortSupport', true],
  ['ENABLE_V6_EGRESS', 'enableV6Egress', false],
  ['ENABLE_BANDWIDTH_PLUGIN', 'enableBandwidthPlugin', false],
  ['DISABLE_POD_V6', 'disablePodV6', false],
  ['ENABLE_V4_EGRESS', 'enableV4Egress', true],
  ['DISABLE_TCP_EARLY_DEMUX', 'disableTcpEarlyDemux', false],
];

const V6_CLUSTER = {
  ENABLE_IPv6: 'true',
  ENABLE_PREFIX_DELEGATION: 'true',
  WARM_PREFIX_TARGET: '1',
};

/** The variable plus what the loader needs to accept it alone (IPv4 off needs IPv6, which needs PD). */
function withCompanions(variable: string, value: string): Record<string, string> {
  if (variable === 'ENABLE_IPv4' || variable === 'ENABLE_IPv6')
    return { ...V6_CLUSTER, [variable]: value };
  if (variable === 'ENABLE_PREFIX_DELEGATION')
    return { [variable]: value, WARM_PREFIX_TARGET: '1' };
  return { [variable]: value };
}

describe('Bool A: any set value must be a Go boolean', () => {
  it.each(BOOL_A)('%s reads the non-default value', (variable, field, fallback) => {
    const text = fallback ? 'F' : 'T';
    const loaded = loadConfig(withCompanions(variable, text));
    expect(loaded.config[field]).toBe(!fallback);
    expect(loaded.warnings).toEqual([]);
  });

  it.each(BOOL_A)('%s="" → default with a warning', (variable, field, fallback) => {
    const loaded = loadConfig({ [variable]: '' });
    expect(loaded.config[field]).toBe(fallback);
    expectOneWarning(loaded, variable, '');
    expect(loaded.warnings[0]!.message).toBe(
      `${variable}="" is not a boolean (use true/false, 1/0, t/f); using ${fallback}`,
    );
  });

  it.each(BOOL_A)('%s="yes" → default with a warning', (variable, field, fallback) => {
    const loaded = loadConfig({ [variable]: 'yes' });
    expect(loaded.config[field]).toBe(fallback);
    expectOneWarning(loaded, variable, 'yes');
  });
});

describe('Bool B: empty is unset; anything else must be a Go boolean', () => {
  it.each(BOOL_B)('%s reads the non-default value', (variable, field, fallback) => {
    const loaded = loadConfig({ [variable]: fallback ? '0' : '1' });
    expect(loaded.config[field]).toBe(!fallback);
    expect(loaded.warnings).toEqual([]);
  });

  it.each(BOOL_B)('%s="" → default silently', (variable, field, fallback) => {
    const loaded = loadConfig({ [variable]: '' });
    expect(loaded.config[field]).toBe(fallback);
    expect(loaded.warnings).toEqual([]);
  });

  it.each(BOOL_B)('%s=" true" → default with a warning', (variable, field, fallback) => {
    const loaded = loadConfig({ [variable]: ' true' });
    expect(loaded.config[field]).toBe(fallback);
    expectOneWarning(loaded, variable, ' true');
  });
});

/** [variable, value, field, expected, warns]. */
const SCALARS: readonly [string, string, Field, unknown, boolean][] = [
  ['WARM_ENI_TARGET', '3', 'warmEniTarget', 3, false],
  ['WARM_ENI_TARGET', '0', 'warmEniTarget', 0, false],
  ['WARM_ENI_TARGET', '+2', 'warmEniTarget', 2, false],
  ['WARM_ENI_TARGET', '-1', 'warmEniTarget', 1, true],
  ['WARM_ENI_TARGET', 'two', 'warmEniTarget', 1, true],
  ['WARM_ENI_TARGET', '1.5', 'warmEniTarget', 1, true],
  ['WARM_IP_TARGET', '5', 'warmIpTarget', 5, false],
  ['WARM_IP_TARGET', '-1', 'warmIpTarget', 0, true],
  ['WARM_IP_TARGET', ' 5', 'warmIpTarget', 0, true],
  ['MINIMUM_IP_TARGET', '10', 'minimumIpTarget', 10, false],
  ['MINIMUM_IP_TARGET', '-3', 'minimumIpTarget', 0, true],
  ['MINIMUM_IP_TARGET', '1e3', 'minimumIpTarget', 0, true],
  ['WARM_PREFIX_TARGET', '2', 'warmPrefixTarget', 2, false],
  ['WARM_PREFIX_TARGET', '-1', 'warmPrefixTarget', 0, true],
  ['WARM_PREFIX_TARGET', '99999999999999999999', 'warmPrefixTarget', 0, true],
  ['MAX_ENI', '4', 'maxEni', 4, false],
  ['MAX_ENI', '1', 'maxEni', 1, false],
  ['MAX_ENI', '-1', 'maxEni', undefined, false],
  ['MAX_ENI', '0', 'maxEni', undefined, true],
  ['MAX_ENI', '-2', 'maxEni', undefined, true],
  ['MAX_ENI', 'many', 'maxEni', undefined, true],
  ['IP_COOLDOWN_PERIOD', '0', 'ipCooldownSeconds', 0, false],
  ['IP_COOLDOWN_PERIOD', '45', 'ipCooldownSeconds', 45, false],
  ['HTTP_TIMEOUT', '30', 'httpTimeoutSeconds', 30, false],
  ['HTTP_TIMEOUT', '10', 'httpTimeoutSeconds', 10, false],
  ['HTTP_TIMEOUT', '9', 'httpTimeoutSeconds', 10, true],
  ['HTTP_TIMEOUT', '30s', 'httpTimeoutSeconds', 10, true],
  ['WARM_POOL_MODE', 'interval', 'warmPoolMode', 'interval', false],
  ['WARM_POOL_MODE', 'Interval', 'warmPoolMode', 'interval', false],
  ['WARM_POOL_MODE', 'REACTIVE', 'warmPoolMode', 'reactive', false],
  ['WARM_POOL_MODE', 'polling', 'warmPoolMode', 'reactive', true],
  ['ADD_WAIT_SECONDS', '0', 'addWaitSeconds', 0, false],
  ['ADD_WAIT_SECONDS', '2.5', 'addWaitSeconds', 2.5, false],
  ['ADD_WAIT_SECONDS', '30', 'addWaitSeconds', 30, false],
  ['ADD_WAIT_SECONDS', '-1', 'addWaitSeconds', 10, true],
  ['ADD_WAIT_SECONDS', '1e3', 'addWaitSeconds', 10, true],
  ['ADD_WAIT_SECONDS', 'soon', 'addWaitSeconds', 10, true],
  ['ENI_CONFIG_LABEL_DEF', 'example.com/eni', 'eniConfigLabelKey', 'example.com/eni', false],
  ['ENI_CONFIG_ANNOTATION_DEF', 'example.com/a', 'eniConfigAnnotationKey', 'example.com/a', false],
  ['NETWORK_POLICY_ENFORCING_MODE', 'standard', 'networkPolicyMode', 'standard', false],
  ['NETWORK_POLICY_ENFORCING_MODE', 'STANDARD', 'networkPolicyMode', 'standard', false],
  ['NETWORK_POLICY_ENFORCING_MODE', 'Strict', 'networkPolicyMode', 'strict', false],
  ['NETWORK_POLICY_ENFORCING_MODE', 'None', 'networkPolicyMode', 'none', false],
  ['CLUSTER_NAME', 'prod', 'clusterName', 'prod', false],
  ['AWS_VPC_K8S_CNI_BACKING_STORE', '/tmp/ipam.json', 'backingStorePath', '/tmp/ipam.json', false],
  ['MY_NODE_NAME', 'ip-10-0-0-1', 'nodeName', 'ip-10-0-0-1', false],
  ['MY_POD_NAME', 'aws-node-x', 'podName', 'aws-node-x', false],
  ['VPC_CNI_VERSION', 'v1.23.1', 'vpcCniVersion', 'v1.23.1', false],
  ['AWS_EC2_ENDPOINT', 'http://127.0.0.1:5000', 'ec2Endpoint', 'http://127.0.0.1:5000', false],
  [
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'http://127.0.0.1:1338',
    'imdsEndpoint',
    'http://127.0.0.1:1338',
    false,
  ],
  ['CLUSTER_ENDPOINT', 'https://k8s:443', 'clusterEndpoint', 'https://k8s:443', false],
  ['IPAMD_GRPC_SOCKET', '/tmp/ipamd.sock', 'grpcSocketPath', '/tmp/ipamd.sock', false],
  [
    'INTROSPECTION_BIND_ADDRESS',
    'unix:/tmp/i.sock',
    'introspectionBindAddress',
    'unix:/tmp/i.sock',
    false,
  ],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'INFO', 'logLevel', 'info', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'Debug', 'logLevel', 'debug', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'warn', 'logLevel', 'warn', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'Warning', 'logLevel', 'warn', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'ERROR', 'logLevel', 'error', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'fatal', 'logLevel', 'fatal', false],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'trace', 'logLevel', 'debug', true],
  ['AWS_VPC_K8S_CNI_LOGLEVEL', 'constructor', 'logLevel', 'debug', true],
  ['AWS_VPC_K8S_CNI_LOG_FILE', 'stdout', 'logFile', 'stdout', false],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'none', 'randomizeSnat', 'none', false],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'hashrandom', 'randomizeSnat', 'hashrandom', false],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'prng', 'randomizeSnat', 'prng', false],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'PRNG', 'randomizeSnat', 'prng', true],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'None', 'randomizeSnat', 'prng', true],
  ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'random', 'randomizeSnat', 'prng', true],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0x80', 'connmark', 0x80, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0xc000', 'connmark', 0xc000, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0200', 'connmark', 0x80, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0b1', 'connmark', 1, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '1_024', 'connmark', 1024, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '4294967295', 'connmark', 4294967295, false],
  ['AWS_VPC_K8S_CNI_CONNMARK', '4294967296', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_CONNMARK', '-1', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0x', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_CONNMARK', 'mark', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_CONNMARK', '0x8000000000000000', 'connmark', 0x80, true],
  ['AWS_VPC_K8S_CNI_VETHPREFIX', 'abcd', 'vethPrefix', 'abcd', false],
  ['AWS_VPC_K8S_CNI_VETHPREFIX', 'ethx', 'vethPrefix', 'ethx', false],
  ['AWS_VPC_K8S_CNI_VETHPREFIX', 'éé', 'vethPrefix', 'éé', false],
  ['POD_SECURITY_GROUP_ENFORCING_MODE', 'standard', 'podSgEnforcingMode', 'standard', false],
  ['POD_SECURITY_GROUP_ENFORCING_MODE', 'bogus', 'podSgEnforcingMode', 'strict', true],
  ['POD_SECURITY_GROUP_ENFORCING_MODE', 'Standard', 'podSgEnforcingMode', 'strict', true],
  ['AWS_VPC_ENI_MTU', '1500', 'eniMtu', 1500, false],
  ['AWS_VPC_ENI_MTU', '576', 'eniMtu', 576, false],
  ['AWS_VPC_ENI_MTU', '+1500', 'eniMtu', 1500, false],
  ['POD_MTU', '1400', 'podMtu', 1400, false],
  ['AWS_VPC_K8S_PLUGIN_LOG_FILE', 'stderr', 'pluginLogFile', 'stderr', false],
  ['AWS_VPC_K8S_PLUGIN_LOG_LEVEL', 'info', 'pluginLogLevel', 'info', false],
  [
    'AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE',
    '/tmp/e4.log',
    'egressV4PluginLogFile',
    '/tmp/e4.log',
    false,
  ],
  [
    'AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE',
    '/tmp/e6.log',
    'egressV6PluginLogFile',
    '/tmp/e6.log',
    false,
  ],
  ['HOST_CNI_BIN_PATH', '/opt/cni/bin', 'hostCniBinPath', '/opt/cni/bin', false],
  ['HOST_CNI_CONFDIR_PATH', '/etc/cni/net.d', 'hostCniConfDirPath', '/etc/cni/net.d', false],
];

describe('scalar variables: value → result, and every fallback warns naming variable and value', () => {
  it.each(SCALARS)('%s=%j → %s = %j', (variable, value, field, expected, warns) => {
    const loaded = loadConfig({ [variable]: value });
    expect(loaded.config[field]).toStrictEqual(expected);
    if (warns) expectOneWarning(loaded, variable, value);
    else expect(loaded.warnings).toEqual([]);
  });

  it('ADD_WAIT_SECONDS defaults to 0 in interval mode (reference parity) unless set', () => {
    expect(loadConfig({ WARM_POOL_MODE: 'interval' }).config.addWaitSeconds).toBe(0);
    expect(
      loadConfig({ WARM_POOL_MODE: 'interval', ADD_WAIT_SECONDS: '4' }).config.addWaitSeconds,
    ).toBe(4);
    expect(loadConfig({ WARM_POOL_MODE: 'reactive' }).config.addWaitSeconds).toBe(10);
  });

  it('exact fallback messages', () => {
    const message = (env: Record<string, string>) => loadConfig(env).warnings[0]!.message;
    expect(message({ WARM_ENI_TARGET: 'two' })).toBe(
      'WARM_ENI_TARGET="two" is not an integer; using 1',
    );
    expect(message({ WARM_IP_TARGET: '-1' })).toBe(
      'WARM_IP_TARGET="-1" must be at least 0; using 0',
    );
    expect(message({ HTTP_TIMEOUT: '9' })).toBe('HTTP_TIMEOUT="9" must be at least 10; using 10');
    expect(message({ MAX_ENI: '0' })).toBe('MAX_ENI="0" is below 1; no ENI cap is applied');
    expect(message({ ADD_WAIT_SECONDS: '-1' })).toBe('ADD_WAIT_SECONDS="-1" is negative; using 10');
    expect(message({ WARM_POOL_MODE: 'interval', ADD_WAIT_SECONDS: '-1' })).toBe(
      'ADD_WAIT_SECONDS="-1" is negative; using 0',
    );
    expect(message({ AWS_VPC_K8S_CNI_CONNMARK: '0' })).toBe(
      'AWS_VPC_K8S_CNI_CONNMARK="0" is outside 1..4294967295; using 0x80',
    );
    expect(message({ AWS_VPC_K8S_CNI_LOGLEVEL: 'trace' })).toBe(
      'AWS_VPC_K8S_CNI_LOGLEVEL="trace" is not debug, info, warn, error or fatal; using debug',
    );
    expect(message({ POD_SECURITY_GROUP_ENFORCING_MODE: 'bogus' })).toBe(
      'POD_SECURITY_GROUP_ENFORCING_MODE="bogus" is not strict or standard; using strict',
    );
  });
});

describe('derived and combined values', () => {
  it('ENABLE_IPv4 defaults to false when ENABLE_IPv6 is true; explicit values win', () => {
    const v6 = V6_CLUSTER;
    expect(loadConfig(v6).config.enableIPv4).toBe(false);
    expect(loadConfig({ ...v6, ENABLE_IPv4: 'false' }).config.enableIPv4).toBe(false);
    expect(loadConfig({ ENABLE_IPv4: 'true', ENABLE_IPv6: 'false' }).config).toMatchObject({
      enableIPv4: true,
      enableIPv6: false,
    });
  });

  it('an unparseable ENABLE_IPv4 falls back to the family default (false under IPv6)', () => {
    const loaded = loadConfig({
      ENABLE_IPv6: 'true',
      ENABLE_IPv4: 'maybe',
      ENABLE_PREFIX_DELEGATION: 'true',
      WARM_PREFIX_TARGET: '1',
    });
    expect(loaded.config.enableIPv4).toBe(false);
    expectOneWarning(loaded, 'ENABLE_IPv4', 'maybe');
    expect(loaded.warnings[0]!.message).toContain('using false');
  });

  it('ENABLE_IMDS_ONLY_MODE implies no provisioning and no leaked-ENI cleanup', () => {
    const { config } = loadConfig({ ENABLE_IMDS_ONLY_MODE: 'true' });
    expect(config.imdsOnlyMode).toBe(true);
    expect(config.disableNetworkResourceProvisioning).toBe(true);
    expect(config.disableLeakedEniCleanup).toBe(true);
  });

  it.each([
    [{ DISABLE_LEAKED_ENI_CLEANUP: 'true' }],
    [{ DISABLE_NETWORK_RESOURCE_PROVISIONING: 'true' }],
    [{ ENABLE_IMDS_ONLY_MODE: 'true' }],
    [{ ENABLE_IPv6: 'true', ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }],
  ])('leaked-ENI cleanup is off with %j', (env) => {
    expect(loadConfig(env).config.disableLeakedEniCleanup).toBe(true);
  });

  it('provisioning alone does not turn on IMDS-only mode', () => {
    const { config } = loadConfig({ DISABLE_NETWORK_RESOURCE_PROVISIONING: 'true' });
    expect(config.disableNetworkResourceProvisioning).toBe(true);
    expect(config.imdsOnlyMode).toBe(false);
  });

  it('region: AWS_REGION, else AWS_DEFAULT_REGION, else empty', () => {
    expect(
      loadConfig({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' }).config.region,
    ).toBe('eu-west-1');
    expect(loadConfig({ AWS_DEFAULT_REGION: 'us-east-1' }).config.region).toBe('us-east-1');
    expect(loadConfig({ AWS_REGION: '', AWS_DEFAULT_REGION: 'us-east-1' }).config.region).toBe(
      'us-east-1',
    );
    expect(loadConfig({}).config.region).toBe('');
  });

  it('POD_MTU defaults to AWS_VPC_ENI_MTU; an explicit POD_MTU wins', () => {
    expect(loadConfig({ AWS_VPC_ENI_MTU: '1500' }).config).toMatchObject({
      eniMtu: 1500,
      podMtu: 1500,
    });
    expect(loadConfig({ AWS_VPC_ENI_MTU: '1500', POD_MTU: '1400' }).config).toMatchObject({
      eniMtu: 1500,
      podMtu: 1400,
    });
    expect(loadConfig({ POD_MTU: '', AWS_VPC_ENI_MTU: '8000' }).config.podMtu).toBe(8000);
  });

  it('IPv6 accepts MTUs from 1280', () => {
    const v6 = V6_CLUSTER;
    expect(loadConfig({ ...v6, AWS_VPC_ENI_MTU: '1280', POD_MTU: '9001' }).config).toMatchObject({
      eniMtu: 1280,
      podMtu: 9001,
    });
  });

  it('exclude-SNAT CIDRs are normalised; invalid and IPv6 members skipped with warnings', () => {
    const loaded = loadConfig({ AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.1.2.3/16, fd00::/8,nope' });
    expect(loaded.config.excludeSnatCidrs).toEqual(['10.1.0.0/16']);
    expect(loaded.warnings.map((w) => [w.variable, w.value])).toEqual([
      ['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', 'fd00::/8'],
      ['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', 'nope'],
    ]);
  });

  it('under external SNAT the exclusion list is ignored entirely, as the reference does', () => {
    const loaded = loadConfig({
      AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true',
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.0.0.0/8,garbage',
    });
    expect(loaded.config.externalSnat).toBe(true);
    expect(loaded.config.excludeSnatCidrs).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it('external service CIDRs are normalised', () => {
    const loaded = loadConfig({ AWS_EXTERNAL_SERVICE_CIDRS: '100.64.1.1/10,192.168.0.0/16' });
    expect(loaded.config.externalServiceCidrs).toEqual(['100.64.0.0/10', '192.168.0.0/16']);
    expect(loaded.warnings).toEqual([]);
  });

  it('ADDITIONAL_ENI_TAGS and EC2_API_RATE_LIMITS go through their parsers', () => {
    const loaded = loadConfig({
      ADDITIONAL_ENI_TAGS: '{"team":"net","k8s.amazonaws.com/owner":"me"}',
      EC2_API_RATE_LIMITS: '{"CreateTags":{"capacity":20,"refillPerSecond":2},"Nope":{}}',
    });
    expect(loaded.config.additionalEniTags).toEqual({ team: 'net' });
    expect(loaded.config.ec2RateLimits).toEqual({
      CreateTags: { capacity: 20, refillPerSecond: 2 },
    });
    expect(loaded.warnings.map((w) => [w.variable, w.value])).toEqual([
      ['ADDITIONAL_ENI_TAGS', 'k8s.amazonaws.com/owner'],
      ['EC2_API_RATE_LIMITS', 'Nope'],
    ]);
  });

  it('invalid ADDITIONAL_ENI_TAGS JSON → no tags, one warning', () => {
    const loaded = loadConfig({ ADDITIONAL_ENI_TAGS: '{team:net}' });
    expect(loaded.config.additionalEniTags).toEqual({});
    expectOneWarning(loaded, 'ADDITIONAL_ENI_TAGS', '{team:net}');
  });

  it('collects warnings from several variables in one load', () => {
    const loaded = loadConfig({
      WARM_ENI_TARGET: 'x',
      MANAGE_UNTAGGED_ENI: 'nah',
      HTTP_TIMEOUT: '1',
    });
    expect(loaded.warnings.map((w) => w.variable).sort()).toEqual([
      'HTTP_TIMEOUT',
      'MANAGE_UNTAGGED_ENI',
      'WARM_ENI_TARGET',
    ]);
  });

  it('reads only the given map, never process.env', () => {
    const saved = process.env.WARM_ENI_TARGET;
    process.env.WARM_ENI_TARGET = '7';
    try {
      expect(loadConfig({}).config.warmEniTarget).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.WARM_ENI_TARGET;
      else process.env.WARM_ENI_TARGET = saved;
    }
  });

  it('accepts process.env itself as the environment', () => {
    expect(() => loadConfig(process.env)).not.toThrow();
  });
});
