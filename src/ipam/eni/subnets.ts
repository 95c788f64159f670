import type { Tags } from './tags.ts';

/**
 * Subnet discovery and exclusion rules (the reference's `docs/subnet-discovery.md`) as pure
 * functions over DescribeSubnets answers.
 */

/** What the rules read of a subnet (EC2's DescribeSubnets answer carries more). */
export interface SubnetFacts {
  readonly subnetId: string;
  readonly availableIpAddressCount: number;
  readonly tags: Tags;
}

/** '0' excludes a subnet from pod IPs; any other non-empty value opts it in for new ENIs. */
export const SUBNET_CNI_ROLE_TAG = 'kubernetes.io/role/cni';
/** `cni.networking.k8s.aws/cluster/<name>`: a subnet carrying any of these is meant for those clusters. */
export const SUBNET_CLUSTER_TAG_PREFIX = 'cni.networking.k8s.aws/cluster/';

export function subnetClusterTag(clusterName: string): string {
  return `${SUBNET_CLUSTER_TAG_PREFIX}${clusterName}`;
}

function roleTag(tags: Tags): string | undefined {
  const value = tags[SUBNET_CNI_ROLE_TAG];
  return value === undefined || value === '' ? undefined : value;
}

/** Tagged for other clusters only (only checked when CLUSTER_NAME is set). */
function taggedForOtherClusters(tags: Tags, clusterName: string): boolean {
  if (clusterName === '') return false;
  const clusterTags = Object.keys(tags).filter((key) => key.startsWith(SUBNET_CLUSTER_TAG_PREFIX));
  return clusterTags.length > 0 && !clusterTags.includes(subnetClusterTag(clusterName));
}

/**
 * Whether ENIs in this subnet must not give addresses to pods: tagged `kubernetes.io/role/cni=0`,
 * or tagged for other clusters. An unknown subnet (e.g. shared from another account) is not
 * excluded: pass undefined.
 */
export function isSubnetExcluded(
  subnet: Pick<SubnetFacts, 'tags'> | undefined,
  clusterName: string,
): boolean {
  if (subnet === undefined) return false;
  return roleTag(subnet.tags) === '0' || taggedForOtherClusters(subnet.tags, clusterName);
}

export interface SubnetSelectionContext {
  /** Subnet of the instance's primary ENI: the only untagged subnet new ENIs may use. */
  readonly primarySubnetId: string;
  /** CLUSTER_NAME ('' = none). */
  readonly clusterName: string;
}

/** Whether a new ENI may be created in this subnet (discovery on). */
export function isSubnetUsableForNewEni(
  subnet: SubnetFacts,
  context: SubnetSelectionContext,
): boolean {
  if (isSubnetExcluded(subnet, context.clusterName)) return false;
  return roleTag(subnet.tags) !== undefined || subnet.subnetId === context.primarySubnetId;
}

/**
 * The subnets to try for a new ENI, most free addresses first (ties keep EC2's order). Empty
 * means "no valid subnet".
 */
export function subnetsForNewEni<S extends SubnetFacts>(
  subnets: readonly S[],
  context: SubnetSelectionContext,
): S[] {
  return subnets
    .filter((subnet) => isSubnetUsableForNewEni(subnet, context))
    .map((subnet, index) => ({ subnet, index }))
    .sort(
      (a, b) =>
        b.subnet.availableIpAddressCount - a.subnet.availableIpAddressCount || a.index - b.index,
    )
    .map(({ subnet }) => subnet);
}
