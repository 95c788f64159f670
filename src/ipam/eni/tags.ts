/**
 * ENI tag rules as pure functions (the reference's TagENI, its creation tags and its unmanaged-ENI
 * rule): which tags a new ENI gets, what TagENI must send for an existing one, and whether an
 * ENI is ours to manage.
 */

/** EC2 tags by key. */
export type Tags = Readonly<Record<string, string>>;

export const TAG_INSTANCE_ID = 'node.k8s.amazonaws.com/instance_id';
export const TAG_CREATED_AT = 'node.k8s.amazonaws.com/createdAt';
export const TAG_NO_MANAGE = 'node.k8s.amazonaws.com/no_manage';
export const TAG_CLUSTER_NAME = 'cluster.k8s.amazonaws.com/name';
export const TAG_EKS_ENI_OWNER = 'eks:eni:owner';
export const EKS_ENI_OWNER_VALUE = 'amazon-vpc-cni';
/** Every ENI this daemon creates is described `aws-K8S-<instance-id>`. */
export const ENI_DESCRIPTION_PREFIX = 'aws-K8S-';

/** ADDITIONAL_ENI_TAGS keys containing this are the daemon's own and are dropped. */
const RESERVED_KEY_FRAGMENT = 'k8s.amazonaws.com';

export interface EniTagSettings {
  readonly instanceId: string;
  /** CLUSTER_NAME ('' = none). */
  readonly clusterName: string;
  /** ADDITIONAL_ENI_TAGS as parsed. */
  readonly additionalTags: Tags;
}

export function eniDescription(instanceId: string): string {
  return `${ENI_DESCRIPTION_PREFIX}${instanceId}`;
}

/** ADDITIONAL_ENI_TAGS without the reserved keys (any key containing 'k8s.amazonaws.com'). */
export function userEniTags(additionalTags: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(additionalTags)) {
    if (!key.includes(RESERVED_KEY_FRAGMENT)) out[key] = value;
  }
  return out;
}

/**
 * The tags every managed ENI should carry (createdAt aside). The daemon's own tags are applied
 * last so user tags can never override them.
 */
export function desiredEniTags(settings: EniTagSettings): Record<string, string> {
  const tags = userEniTags(settings.additionalTags);
  tags[TAG_INSTANCE_ID] = settings.instanceId;
  if (settings.clusterName !== '') {
    tags[TAG_CLUSTER_NAME] = settings.clusterName;
    tags[TAG_EKS_ENI_OWNER] = EKS_ENI_OWNER_VALUE;
  }
  return tags;
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 writes it. */
export function formatCreatedAt(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The createdAt tag's time in ms, or undefined when it is not RFC 3339. */
export function parseCreatedAt(value: string): number | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Tags of a new ENI: the desired tags plus createdAt. */
export function creationEniTags(settings: EniTagSettings, nowMs: number): Record<string, string> {
  return { ...desiredEniTags(settings), [TAG_CREATED_AT]: formatCreatedAt(nowMs) };
}

/** What TagENI must send: the desired tags that are missing from `current` or differ. */
export function eniTagsToSend(desired: Tags, current: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (current[key] !== value) out[key] = value;
  }
  return out;
}

export interface ManagementInput {
  readonly tags: Tags;
  readonly instanceId: string;
  readonly isPrimary: boolean;
  /** MANAGE_UNTAGGED_ENI. */
  readonly manageUntaggedEni: boolean;
}

/**
 * Whether ipamd manages an attached ENI (the reference's unmanaged-ENI rule): the primary always; no_manage=true
 * never; no_manage with any other value always; else tagged for this instance, or untagged ENIs
 * when MANAGE_UNTAGGED_ENI.
 */
export function isEniManaged(input: ManagementInput): boolean {
  if (input.isPrimary) return true;
  const noManage = input.tags[TAG_NO_MANAGE];
  if (noManage !== undefined) return noManage !== 'true';
  if (input.tags[TAG_INSTANCE_ID] === input.instanceId) return true;
  return input.manageUntaggedEni;
}
