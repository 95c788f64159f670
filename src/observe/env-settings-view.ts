import type { Config, RandomizeSnat } from '../config/types.ts';

/**
 * The two env-settings views of the introspection API (/v1/networkutils-env-settings and
 * /v1/ipamd-env-settings), in the reference's exact key names and JSON types: Go nil slices are
 * `null`, the randomize mode is its enum number.
 */

const RANDOMIZE_SNAT_NUMBER: Record<RandomizeSnat, number> = { none: 0, hashrandom: 1, prng: 2 };

const nilIfEmpty = (list: readonly string[]): readonly string[] | null =>
  list.length === 0 ? null : list;

export function networkUtilsEnvSettings(config: Config): Record<string, unknown> {
  return {
    AWS_VPC_K8S_CNI_CONNMARK: config.connmark,
    // The reference reports no exclusions when external SNAT is on (they are not used then).
    AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: config.externalSnat
      ? null
      : nilIfEmpty(config.excludeSnatCidrs),
    AWS_VPC_K8S_CNI_EXTERNALSNAT: config.externalSnat,
    AWS_EXTERNAL_SERVICE_CIDRS: nilIfEmpty(config.externalServiceCidrs),
    AWS_VPC_ENI_MTU: config.eniMtu,
    AWS_VPC_K8S_CNI_VETHPREFIX: config.vethPrefix,
    AWS_VPC_CNI_NODE_PORT_SUPPORT: config.nodePortSupport,
    AWS_VPC_K8S_CNI_RANDOMIZESNAT: RANDOMIZE_SNAT_NUMBER[config.randomizeSnat],
  };
}

export function ipamdEnvSettings(config: Config): Record<string, unknown> {
  return {
    WARM_IP_TARGET: config.warmIpTarget,
    WARM_ENI_TARGET: config.warmEniTarget,
    AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: config.customNetworking,
    AWS_MANAGE_ENIS_NON_SCHEDULABLE: config.manageEnisNonSchedulable,
    ENABLE_SUBNET_DISCOVERY: config.enableSubnetDiscovery,
  };
}
