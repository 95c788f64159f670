import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { ConfigError } from '../../../src/config/types.ts';
import { problemsOf } from './helpers.ts';

const PD = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' };
const V6 = { ENABLE_IPv6: 'true', ...PD };

describe('each fatal problem alone: one line naming the variables, the value and the fix', () => {
  it.each([
    [
      'dual stack',
      { ...V6, ENABLE_IPv4: 'true' },
      'ENABLE_IPv4="true" and ENABLE_IPv6="true": dual stack is not supported; set ENABLE_IPv4=false for an IPv6 cluster or ENABLE_IPv6=false for IPv4',
    ],
    [
      'no address family',
      { ENABLE_IPv4: 'false' },
      'ENABLE_IPv4="false" and ENABLE_IPv6 unset (default false): no address family is enabled; set ENABLE_IPv4=true or ENABLE_IPv6=true',
    ],
    [
      'IPv6 with custom networking',
      { ...V6, AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' },
      'ENABLE_IPv6="true" with AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG="true": custom networking is not supported in IPv6 clusters; turn one of them off',
    ],
    [
      'IPv6 without prefix delegation',
      { ENABLE_IPv6: 'true' },
      'ENABLE_IPv6="true" with ENABLE_PREFIX_DELEGATION unset (default false): IPv6 needs prefix delegation; set ENABLE_PREFIX_DELEGATION=true',
    ],
    [
      'plugin log file on stdout',
      { AWS_VPC_K8S_PLUGIN_LOG_FILE: 'stdout' },
      'AWS_VPC_K8S_PLUGIN_LOG_FILE="stdout" would corrupt the CNI result on stdout; use stderr or a file path',
    ],
    [
      'veth prefix too long',
      { AWS_VPC_K8S_CNI_VETHPREFIX: 'veth1' },
      'AWS_VPC_K8S_CNI_VETHPREFIX="veth1" is longer than 4 bytes; use a shorter prefix such as eni',
    ],
    [
      'veth prefix too long in bytes',
      { AWS_VPC_K8S_CNI_VETHPREFIX: 'ééé' },
      'AWS_VPC_K8S_CNI_VETHPREFIX="ééé" is longer than 4 bytes; use a shorter prefix such as eni',
    ],
    [
      'veth prefix eth',
      { AWS_VPC_K8S_CNI_VETHPREFIX: 'eth' },
      'AWS_VPC_K8S_CNI_VETHPREFIX="eth" is reserved (eth, lo and vlan are host links); use another prefix such as eni',
    ],
    [
      'veth prefix lo',
      { AWS_VPC_K8S_CNI_VETHPREFIX: 'lo' },
      'AWS_VPC_K8S_CNI_VETHPREFIX="lo" is reserved (eth, lo and vlan are host links); use another prefix such as eni',
    ],
    [
      'veth prefix vlan',
      { AWS_VPC_K8S_CNI_VETHPREFIX: 'vlan' },
      'AWS_VPC_K8S_CNI_VETHPREFIX="vlan" is reserved (eth, lo and vlan are host links); use another prefix such as eni',
    ],
    [
      'pod ENI with an invalid SG enforcing mode',
      { ENABLE_POD_ENI: 'true', POD_SECURITY_GROUP_ENFORCING_MODE: 'loose' },
      'POD_SECURITY_GROUP_ENFORCING_MODE="loose" with ENABLE_POD_ENI=true: set the mode to strict or standard',
    ],
    [
      'IP_COOLDOWN_PERIOD not an int',
      { IP_COOLDOWN_PERIOD: '30s' },
      'IP_COOLDOWN_PERIOD="30s" is not a whole number of seconds ≥ 0; set it to e.g. 30 or remove it',
    ],
    [
      'IP_COOLDOWN_PERIOD negative',
      { IP_COOLDOWN_PERIOD: '-1' },
      'IP_COOLDOWN_PERIOD="-1" is not a whole number of seconds ≥ 0; set it to e.g. 30 or remove it',
    ],
    [
      'ENI MTU not an int',
      { AWS_VPC_ENI_MTU: '1500.0' },
      'AWS_VPC_ENI_MTU="1500.0" must be an integer in 576..9001; e.g. 9001',
    ],
    [
      'ENI MTU too small',
      { AWS_VPC_ENI_MTU: '575' },
      'AWS_VPC_ENI_MTU="575" must be an integer in 576..9001; e.g. 9001',
    ],
    [
      'ENI MTU too large',
      { AWS_VPC_ENI_MTU: '9002' },
      'AWS_VPC_ENI_MTU="9002" must be an integer in 576..9001; e.g. 9001',
    ],
    [
      'ENI MTU below the IPv6 minimum',
      { ...V6, AWS_VPC_ENI_MTU: '1279' },
      'AWS_VPC_ENI_MTU="1279" must be an integer in 1280..9001 (IPv6 needs at least 1280); e.g. 9001',
    ],
    [
      'pod MTU too small',
      { POD_MTU: '500' },
      'POD_MTU="500" must be an integer in 576..9001; e.g. 9001',
    ],
    [
      'pod MTU not an int',
      { POD_MTU: 'jumbo' },
      'POD_MTU="jumbo" must be an integer in 576..9001; e.g. 9001',
    ],
    [
      'pod MTU below the IPv6 minimum',
      { ...V6, POD_MTU: '1200' },
      'POD_MTU="1200" must be an integer in 1280..9001 (IPv6 needs at least 1280); e.g. 9001',
    ],
    [
      'prefix delegation with no target',
      { ENABLE_PREFIX_DELEGATION: 'true' },
      'ENABLE_PREFIX_DELEGATION="true" with WARM_IP_TARGET unset (default 0), WARM_PREFIX_TARGET unset (default 0) and MINIMUM_IP_TARGET unset (default 0): set at least one of them above 0 (e.g. WARM_PREFIX_TARGET=1)',
    ],
    [
      'prefix delegation with every target ≤ 0',
      {
        ENABLE_PREFIX_DELEGATION: '1',
        WARM_IP_TARGET: '0',
        WARM_PREFIX_TARGET: '-1',
        MINIMUM_IP_TARGET: '0',
      },
      'ENABLE_PREFIX_DELEGATION="1" with WARM_IP_TARGET="0", WARM_PREFIX_TARGET="-1" and MINIMUM_IP_TARGET="0": set at least one of them above 0 (e.g. WARM_PREFIX_TARGET=1)',
    ],
    [
      'relative gRPC socket path',
      { IPAMD_GRPC_SOCKET: 'run/ipamd.sock' },
      'IPAMD_GRPC_SOCKET="run/ipamd.sock" is a relative path; set an absolute path such as /var/run/aws-node/ipamd.sock',
    ],
    [
      'gRPC socket path relative to the current directory',
      { IPAMD_GRPC_SOCKET: './ipamd.sock' },
      'IPAMD_GRPC_SOCKET="./ipamd.sock" is a relative path; set an absolute path such as /var/run/aws-node/ipamd.sock',
    ],
    [
      'invalid network policy mode',
      { NETWORK_POLICY_ENFORCING_MODE: 'enforce' },
      'NETWORK_POLICY_ENFORCING_MODE="enforce" is not a policy mode; set it to none, strict or standard, or remove it',
    ],
  ])('%s', (_name, env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });
});

describe('near misses that must load', () => {
  it.each([
    ['IPv6 with PD and a warm prefix target', V6],
    ['PD with only WARM_IP_TARGET', { ENABLE_PREFIX_DELEGATION: 'true', WARM_IP_TARGET: '5' }],
    [
      'PD with only MINIMUM_IP_TARGET',
      { ENABLE_PREFIX_DELEGATION: 'true', MINIMUM_IP_TARGET: '3' },
    ],
    // The reference compares strings and would refuse '+5' ('+' < '0'); we compare numbers.
    ['PD with WARM_IP_TARGET=+5', { ENABLE_PREFIX_DELEGATION: 'true', WARM_IP_TARGET: '+5' }],
    [
      'pod ENI with standard',
      { ENABLE_POD_ENI: 'true', POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' },
    ],
    ['pod ENI with the default mode', { ENABLE_POD_ENI: 'true' }],
    ['MTU at both IPv4 bounds', { AWS_VPC_ENI_MTU: '576', POD_MTU: '9001' }],
    ['IP_COOLDOWN_PERIOD=0', { IP_COOLDOWN_PERIOD: '0' }],
    ['veth prefix of exactly 4', { AWS_VPC_K8S_CNI_VETHPREFIX: 'abcd' }],
    ['plugin log file stderr', { AWS_VPC_K8S_PLUGIN_LOG_FILE: 'stderr' }],
    ['custom networking in IPv4', { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' }],
    ['an absolute gRPC socket path', { IPAMD_GRPC_SOCKET: '/run/x/ipamd.sock' }],
    ['an empty gRPC socket path (the default)', { IPAMD_GRPC_SOCKET: '' }],
  ])('%s', (_name, env) => {
    expect(() => loadConfig(env)).not.toThrow();
  });

  it.each(['abc', '-5', ' 5', '00'])(
    'PD with WARM_IP_TARGET=%j counts as 0 (the reference compares strings; we compare numbers)',
    (value) => {
      expect(problemsOf({ ENABLE_PREFIX_DELEGATION: 'true', WARM_IP_TARGET: value })).toHaveLength(
        1,
      );
    },
  );
});

describe('several fatal problems at once', () => {
  it('are all listed in one ConfigError, in a stable order', () => {
    const env = {
      ENABLE_IPv4: 'true',
      ENABLE_IPv6: 'true',
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
      IP_COOLDOWN_PERIOD: 'soon',
      NETWORK_POLICY_ENFORCING_MODE: 'on',
      ENABLE_POD_ENI: 'true',
      POD_SECURITY_GROUP_ENFORCING_MODE: 'lax',
      AWS_VPC_K8S_CNI_VETHPREFIX: 'toolong',
      AWS_VPC_ENI_MTU: '1000',
      POD_MTU: '99999',
      AWS_VPC_K8S_PLUGIN_LOG_FILE: 'stdout',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.slice(0, p.indexOf('=')))).toEqual([
      'IP_COOLDOWN_PERIOD',
      'NETWORK_POLICY_ENFORCING_MODE',
      'AWS_VPC_K8S_CNI_VETHPREFIX',
      'POD_SECURITY_GROUP_ENFORCING_MODE',
      'AWS_VPC_ENI_MTU',
      'POD_MTU',
      'AWS_VPC_K8S_PLUGIN_LOG_FILE',
      'ENABLE_IPv4', // dual stack
      'ENABLE_IPv6', // with custom networking
      'ENABLE_IPv6', // without prefix delegation
    ]);
    expect(problems[4]).toContain('1280..9001');
    expect(problems[5]).toBe(
      'POD_MTU="99999" must be an integer in 1280..9001 (IPv6 needs at least 1280); e.g. 9001',
    );
    expect((error as ConfigError).message).toBe(`invalid configuration: ${problems.join('; ')}`);
  });

  it('an invalid ENI MTU is reported once, not again through an unset POD_MTU', () => {
    expect(problemsOf({ AWS_VPC_ENI_MTU: '100', ENABLE_PREFIX_DELEGATION: 'true' })).toEqual([
      'AWS_VPC_ENI_MTU="100" must be an integer in 576..9001; e.g. 9001',
      'ENABLE_PREFIX_DELEGATION="true" with WARM_IP_TARGET unset (default 0), WARM_PREFIX_TARGET unset (default 0) and MINIMUM_IP_TARGET unset (default 0): set at least one of them above 0 (e.g. WARM_PREFIX_TARGET=1)',
    ]);
  });

  it('both MTUs invalid → both reported', () => {
    expect(problemsOf({ AWS_VPC_ENI_MTU: '100', POD_MTU: '200' })).toEqual([
      'AWS_VPC_ENI_MTU="100" must be an integer in 576..9001; e.g. 9001',
      'POD_MTU="200" must be an integer in 576..9001; e.g. 9001',
    ]);
  });

  it('every problem is a single line', () => {
    const problems = problemsOf({
      ENABLE_IPv4: 'false',
      AWS_VPC_K8S_CNI_VETHPREFIX: 'a\nbcde',
      NETWORK_POLICY_ENFORCING_MODE: 'x\ny',
    });
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).not.toContain('\n');
  });
});
