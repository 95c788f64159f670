/**
 * The typed, validated configuration of vpc-ipamd, built from the environment by `loadConfig`.
 * Every field names the environment variable it comes from; defaults are the reference's
 * (aws-node v1.23.1) unless docs/compat.md says otherwise.
 */

export type RandomizeSnat = 'none' | 'hashrandom' | 'prng';
export type NetworkPolicyMode = '' | 'none' | 'strict' | 'standard';
export type PodSgEnforcingMode = 'strict' | 'standard';
export type WarmPoolMode = 'reactive' | 'interval';

/** Capacity and refill of a token bucket (tokens, tokens per second; refill may be fractional). */
export interface TokenBucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface Config {
  // ---- address family ----------------------------------------------------------------------
  /** ENABLE_IPv4 (Bool A). Default: true unless ENABLE_IPv6 is true (the reference's code says false; see compat.md). */
  readonly enableIPv4: boolean;
  /** ENABLE_IPv6 (Bool A), default false. */
  readonly enableIPv6: boolean;

  // ---- warm pool ---------------------------------------------------------------------------
  /** WARM_ENI_TARGET, default 1; unset, non-int or <0 → 1. */
  readonly warmEniTarget: number;
  /** WARM_IP_TARGET, default 0 ("not defined"); <0 or non-int → 0. */
  readonly warmIpTarget: number;
  /** MINIMUM_IP_TARGET, default 0; <0 or non-int → 0. */
  readonly minimumIpTarget: number;
  /** WARM_PREFIX_TARGET, default 0; <0 or non-int → 0. */
  readonly warmPrefixTarget: number;
  /** ENABLE_PREFIX_DELEGATION (Bool A), default false. May still be turned off at node init on non-Nitro types. */
  readonly enablePrefixDelegation: boolean;
  /** MAX_ENI: the value when ≥1, else undefined (no cap). */
  readonly maxEni: number | undefined;
  /** IP_COOLDOWN_PERIOD in seconds, default 30. */
  readonly ipCooldownSeconds: number;
  /** WARM_POOL_MODE (ours): 'reactive' (default) or 'interval' (the reference's 5 s loop exactly). */
  readonly warmPoolMode: WarmPoolMode;
  /**
   * ADD_WAIT_SECONDS (ours): default 10 in reactive mode, 0 in interval mode; 0 = fail an ADD on an
   * empty pool at once like the reference.
   */
  readonly addWaitSeconds: number;

  // ---- ENI management ----------------------------------------------------------------------
  /** AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG (Bool B), default false. */
  readonly customNetworking: boolean;
  /** ENI_CONFIG_LABEL_DEF, default 'k8s.amazonaws.com/eniConfig' (empty → default). */
  readonly eniConfigLabelKey: string;
  /** ENI_CONFIG_ANNOTATION_DEF, default 'k8s.amazonaws.com/eniConfig' (empty → default). */
  readonly eniConfigAnnotationKey: string;
  /** ENABLE_SUBNET_DISCOVERY (Bool B), default true. */
  readonly enableSubnetDiscovery: boolean;
  /** AWS_MANAGE_ENIS_NON_SCHEDULABLE (Bool B), default false. */
  readonly manageEnisNonSchedulable: boolean;
  /** MANAGE_UNTAGGED_ENI (Bool A), default true. */
  readonly manageUntaggedEni: boolean;
  /**
   * DISABLE_NETWORK_RESOURCE_PROVISIONING (Bool A), default false; also true when
   * ENABLE_IMDS_ONLY_MODE is true (it implies it).
   */
  readonly disableNetworkResourceProvisioning: boolean;
  /** ENABLE_IMDS_ONLY_MODE (Bool A), default false. */
  readonly imdsOnlyMode: boolean;
  /**
   * DISABLE_LEAKED_ENI_CLEANUP (Bool A), default false; also true when IPv6, provisioning is
   * disabled or IMDS-only mode is on (the reference disables cleanup in all three).
   */
  readonly disableLeakedEniCleanup: boolean;
  /** ENABLE_POD_ENI (Bool A), default false. */
  readonly enablePodEni: boolean;
  /** ENABLE_MULTI_NIC (Bool A), default false. */
  readonly enableMultiNic: boolean;
  /** ANNOTATE_POD_IP (Bool A), default false. */
  readonly annotatePodIp: boolean;
  /** NETWORK_POLICY_ENFORCING_MODE: none/strict/standard (case-insensitive, stored lower-case) or '' when unset. */
  readonly networkPolicyMode: NetworkPolicyMode;
  /** CLUSTER_NAME, default ''. */
  readonly clusterName: string;
  /** ADDITIONAL_ENI_TAGS: JSON object string→string; invalid JSON → {}; keys containing 'k8s.amazonaws.com' dropped. */
  readonly additionalEniTags: Readonly<Record<string, string>>;

  // ---- files, identity, endpoints ---------------------------------------------------------
  /** AWS_VPC_K8S_CNI_BACKING_STORE, default '/var/run/aws-node/ipam.json'. */
  readonly backingStorePath: string;
  /** MY_NODE_NAME, default ''. */
  readonly nodeName: string;
  /** MY_POD_NAME, default ''. */
  readonly podName: string;
  /** VPC_CNI_VERSION, default ''. */
  readonly vpcCniVersion: string;
  /** AWS_EC2_ENDPOINT, default '' (applied to the EC2 client — the reference forgets to; see compat.md). */
  readonly ec2Endpoint: string;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT (the SDK's own variable), default ''. */
  readonly imdsEndpoint: string;
  /** AWS_REGION or AWS_DEFAULT_REGION, default '' (then taken from IMDS). */
  readonly region: string;
  /** HTTP_TIMEOUT in seconds; int ≥10 else 10. */
  readonly httpTimeoutSeconds: number;
  /** CLUSTER_ENDPOINT, default ''. */
  readonly clusterEndpoint: string;
  /** IPAMD_GRPC_SOCKET (ours), default '/var/run/aws-node/ipamd.sock'. */
  readonly grpcSocketPath: string;
  /**
   * EC2_API_RATE_LIMITS (ours): JSON object bucket name → {capacity, refillPerSecond} overriding
   * the client-side token buckets' defaults (names as in src/config/ec2-buckets.ts: an action with
   * its own bucket, or 'NonMutating' / 'Unfiltered' / 'Mutating'); invalid JSON or an unknown
   * bucket name → ignored with a warning. Empty = defaults.
   */
  readonly ec2RateLimits: Readonly<Record<string, TokenBucketSpec>>;

  // ---- observability -----------------------------------------------------------------------
  /** INTROSPECTION_BIND_ADDRESS, default '127.0.0.1:61679'; 'host:port' or 'unix:<path>'. */
  readonly introspectionBindAddress: string;
  /**
   * METRICS_BIND_ADDRESS (ours), default ':61678' (all addresses, as the reference); 'host:port'
   * or 'unix:<path>'. Lets several daemons (tests, demos) share a host.
   */
  readonly metricsBindAddress: string;
  /** DISABLE_INTROSPECTION (Bool A), default false. */
  readonly disableIntrospection: boolean;
  /** DISABLE_METRICS (Bool A), default false. */
  readonly disableMetrics: boolean;
  /** AWS_VPC_K8S_CNI_LOGLEVEL, default 'debug'; stored as a pino level name (debug, info, warn, error, fatal). */
  readonly logLevel: string;
  /** AWS_VPC_K8S_CNI_LOG_FILE, default '/host/var/log/aws-routed-eni/ipamd.log'; 'stdout'/'stderr'/path. */
  readonly logFile: string;

  // ---- host networking (ipamd's networkutils) ---------------------------------------------
  /** DISABLE_HOST_NETWORKING (ours, Bool A), default false: skip every iptables/iproute2 change. */
  readonly disableHostNetworking: boolean;
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT (Bool B), default false. */
  readonly externalSnat: boolean;
  /**
   * AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: valid IPv4 CIDRs in network form; invalid/IPv6 skipped with a
   * warning. Always [] when AWS_VPC_K8S_CNI_EXTERNALSNAT is true (the reference ignores the list then).
   */
  readonly excludeSnatCidrs: readonly string[];
  /** AWS_VPC_K8S_CNI_RANDOMIZESNAT, default 'prng'; empty → prng; other → prng with a warning. */
  readonly randomizeSnat: RandomizeSnat;
  /** AWS_VPC_CNI_NODE_PORT_SUPPORT (Bool B), default true. */
  readonly nodePortSupport: boolean;
  /** AWS_VPC_K8S_CNI_CONNMARK: integer with base prefix (0x, 0o, 0b, leading 0); ≤0 or >2^32−1 → 0x80. */
  readonly connmark: number;
  /** AWS_EXTERNAL_SERVICE_CIDRS: valid IPv4 CIDRs in network form. */
  readonly externalServiceCidrs: readonly string[];
  /** AWS_VPC_ENI_MTU, default 9001 (576–9001 v4, 1280–9001 v6; outside → fatal). */
  readonly eniMtu: number;
  /** AWS_VPC_K8S_CNI_VETHPREFIX, default 'eni' (≤4 chars, not eth/lo/vlan; else fatal). */
  readonly vethPrefix: string;
  /** ENABLE_V6_EGRESS (Bool B), default false. */
  readonly enableV6Egress: boolean;
  /** POD_SECURITY_GROUP_ENFORCING_MODE, default 'strict'. */
  readonly podSgEnforcingMode: PodSgEnforcingMode;

  // ---- plugin / entrypoint side (the reference's aws-vpc-cni, misc/10-aws.conflist) ---------
  /** POD_MTU, default = AWS_VPC_ENI_MTU. Same range check. */
  readonly podMtu: number;
  /** AWS_VPC_K8S_PLUGIN_LOG_FILE, default '/var/log/aws-routed-eni/plugin.log' ('stdout' → fatal). */
  readonly pluginLogFile: string;
  /** AWS_VPC_K8S_PLUGIN_LOG_LEVEL, default 'Debug' (kept as given). */
  readonly pluginLogLevel: string;
  /** AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE, default '/var/log/aws-routed-eni/egress-v4-plugin.log'. */
  readonly egressV4PluginLogFile: string;
  /** AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE, default '/var/log/aws-routed-eni/egress-v6-plugin.log'. */
  readonly egressV6PluginLogFile: string;
  /** ENABLE_BANDWIDTH_PLUGIN (Bool B), default false. */
  readonly enableBandwidthPlugin: boolean;
  /** DISABLE_POD_V6 (Bool B), default false. */
  readonly disablePodV6: boolean;
  /** ENABLE_V4_EGRESS (Bool B), default true. */
  readonly enableV4Egress: boolean;
  /** HOST_CNI_BIN_PATH, default '/host/opt/cni/bin'. */
  readonly hostCniBinPath: string;
  /** HOST_CNI_CONFDIR_PATH, default '/host/etc/cni/net.d'. */
  readonly hostCniConfDirPath: string;
  /** DISABLE_TCP_EARLY_DEMUX (Bool B), default false. */
  readonly disableTcpEarlyDemux: boolean;
}

/** A value that could not be used as given; the configuration fell back as the reference does. */
export interface ConfigWarning {
  readonly variable: string;
  readonly value: string;
  readonly message: string;
}

/** Result of a successful load: the frozen Config and the warnings produced on the way. */
export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
}

/** Thrown by loadConfig when the environment is contradictory; `problems` lists every one. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The environment as a plain map (process.env or a test's literal). */
export type Environment = Readonly<Record<string, string | undefined>>;
