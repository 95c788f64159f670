import type { EnvReader } from './env-reader.ts';
import type { Config } from './types.ts';

/**
 * Settings that are each valid but contradict one another (ipamd's isConfigValid and the
 * entrypoint's prefix-delegation check). Facts about the instance (Nitro or not) are node
 * init's business, not config's.
 */
export function checkCombinations(r: EnvReader, c: Config): void {
  const v4 = r.describe('ENABLE_IPv4', c.enableIPv4);
  const v6 = r.describe('ENABLE_IPv6', c.enableIPv6);
  if (c.enableIPv4 && c.enableIPv6) {
    r.fatal(
      `${v4} and ${v6}: dual stack is not supported; set ENABLE_IPv4=false for an IPv6 cluster or ENABLE_IPv6=false for IPv4`,
    );
  }
  if (!c.enableIPv4 && !c.enableIPv6) {
    r.fatal(
      `${v4} and ${v6}: no address family is enabled; set ENABLE_IPv4=true or ENABLE_IPv6=true`,
    );
  }
  if (c.enableIPv6 && c.customNetworking) {
    r.fatal(
      `${v6} with ${r.describe('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', c.customNetworking)}: custom networking is not supported in IPv6 clusters; turn one of them off`,
    );
  }
  if (c.enableIPv6 && !c.enablePrefixDelegation) {
    r.fatal(
      `${v6} with ${r.describe('ENABLE_PREFIX_DELEGATION', c.enablePrefixDelegation)}: IPv6 needs prefix delegation; set ENABLE_PREFIX_DELEGATION=true`,
    );
  }
  // The reference's entrypoint compares these as strings ("10" > "0" but also "abc" > "0");
  // we compare the parsed numbers, so garbage or negative values count as 0.
  if (
    c.enablePrefixDelegation &&
    c.warmIpTarget <= 0 &&
    c.warmPrefixTarget <= 0 &&
    c.minimumIpTarget <= 0
  ) {
    r.fatal(
      `${r.describe('ENABLE_PREFIX_DELEGATION', true)} with ${r.describe('WARM_IP_TARGET', c.warmIpTarget)}, ${r.describe('WARM_PREFIX_TARGET', c.warmPrefixTarget)} and ${r.describe('MINIMUM_IP_TARGET', c.minimumIpTarget)}: set at least one of them above 0 (e.g. WARM_PREFIX_TARGET=1)`,
    );
  }
}
