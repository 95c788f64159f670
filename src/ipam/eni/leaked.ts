import type { Ec2Filter, Ec2Filters } from './filters.ts';
import {
  ENI_DESCRIPTION_PREFIX,
  parseCreatedAt,
  TAG_CLUSTER_NAME,
  TAG_CREATED_AT,
  TAG_INSTANCE_ID,
  type Tags,
} from './tags.ts';

/**
 * Which ENIs the leaked-ENI cleanup deletes (the reference's `cleanUpLeakedENIs`): ENIs a node
 * created and never got to delete (the detach→delete window, a node killed mid-free) are found by
 * tag and status and deleted once they are old enough that no node can still be setting them up
 * (the reference's issue #1099 race). The scan itself is a daemon workflow.
 */

/** An ENI younger than this is left alone: its creator may still be attaching it. */
export const LEAKED_ENI_MIN_AGE_MS = 5 * 60_000;
/** The reference runs the cleanup hourly… */
export const LEAKED_ENI_CLEANUP_INTERVAL_MS = 60 * 60_000;
/** …first after a random delay in [0, this), so nodes started together do not scan together. */
export const LEAKED_ENI_FIRST_RUN_MAX_DELAY_MS = 300_000;

/** The DescribeNetworkInterfaces filters of the scan. */
export function leakedEniFilters(vpcId: string, clusterName: string): Ec2Filters {
  const filters: [Ec2Filter, ...Ec2Filter[]] = [
    { name: 'tag-key', values: [TAG_INSTANCE_ID] },
    { name: 'status', values: ['available'] },
    { name: 'vpc-id', values: [vpcId] },
  ];
  if (clusterName !== '') filters.push({ name: `tag:${TAG_CLUSTER_NAME}`, values: [clusterName] });
  return filters;
}

/** What the decision reads of a scanned ENI. */
export interface LeakedEniCandidate {
  readonly description: string;
  /** 'available' | 'in-use' | … as EC2 reports it. */
  readonly status: string;
  /** Undefined when EC2 lists no attachment. */
  readonly attachment: object | undefined;
  readonly tags: Tags;
}

export type LeakedEniDecision =
  | { readonly action: 'delete' }
  /** Tag createdAt with now and keep it for a later pass (missing or unreadable createdAt). */
  | { readonly action: 'tagCreatedAt'; readonly reason: 'missing' | 'unparseable' }
  | { readonly action: 'skip'; readonly reason: 'notOurs' | 'inUse' | 'tooYoung' };

/**
 * The fate of one scanned ENI. Unlike the reference, an unreadable createdAt is rewritten and the
 * ENI kept (the reference rewrote it and deleted anyway: docs/compat.md).
 */
export function decideLeakedEni(eni: LeakedEniCandidate, nowMs: number): LeakedEniDecision {
  if (!eni.description.startsWith(ENI_DESCRIPTION_PREFIX))
    return { action: 'skip', reason: 'notOurs' };
  // The scan filters on status=available already; re-checked because deleting is irreversible.
  if (eni.status !== 'available' || eni.attachment !== undefined) {
    return { action: 'skip', reason: 'inUse' };
  }
  const createdAt = eni.tags[TAG_CREATED_AT];
  if (createdAt === undefined) return { action: 'tagCreatedAt', reason: 'missing' };
  const createdMs = parseCreatedAt(createdAt);
  if (createdMs === undefined) return { action: 'tagCreatedAt', reason: 'unparseable' };
  // A createdAt in the future (clock skew between nodes) counts as young.
  if (nowMs - createdMs < LEAKED_ENI_MIN_AGE_MS) return { action: 'skip', reason: 'tooYoung' };
  return { action: 'delete' };
}
