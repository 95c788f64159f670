import type { Clock } from '../ipam/clock.ts';
import type {
  Ec2Filters,
  Ec2Port,
  EniDescription,
  LeakedEniCleanupReport,
  Tags,
} from './ec2-port.ts';
import {
  ENI_DESCRIPTION_PREFIX,
  formatCreatedAt,
  parseCreatedAt,
  TAG_CLUSTER_NAME,
  TAG_CREATED_AT,
  TAG_INSTANCE_ID,
} from './eni-tags.ts';

/**
 * Leaked-ENI cleanup (spec/ipamd.md §6.5): ENIs a node created and never got to delete (the
 * detach→delete window, a node killed mid-free) are found by tag and status and deleted once
 * they are old enough that no node can still be setting them up (the #1099 race).
 */

/** An ENI younger than this is left alone: its creator may still be attaching it. */
export const LEAKED_ENI_MIN_AGE_MS = 5 * 60_000;
/** The reference runs the cleanup hourly… */
export const LEAKED_ENI_CLEANUP_INTERVAL_MS = 60 * 60_000;
/** …first after a random delay in [0, this), so nodes started together do not scan together. */
export const LEAKED_ENI_FIRST_RUN_MAX_DELAY_MS = 300_000;

/** The DescribeNetworkInterfaces filters of the scan. */
export function leakedEniFilters(vpcId: string, clusterName: string): Ec2Filters {
  const filters: [{ name: string; values: string[] }, ...{ name: string; values: string[] }[]] = [
    { name: 'tag-key', values: [TAG_INSTANCE_ID] },
    { name: 'status', values: ['available'] },
    { name: 'vpc-id', values: [vpcId] },
  ];
  if (clusterName !== '') filters.push({ name: `tag:${TAG_CLUSTER_NAME}`, values: [clusterName] });
  return filters;
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
export function decideLeakedEni(
  eni: Pick<EniDescription, 'description' | 'status' | 'attachment' | 'tags'>,
  nowMs: number,
): LeakedEniDecision {
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

export interface LeakedEniCleanupOptions {
  readonly vpcId: string;
  /** CLUSTER_NAME ('' = every cluster's leaked ENIs in the VPC). */
  readonly clusterName: string;
  readonly clock: Clock;
}

/** The port operations the cleanup needs. */
export type LeakedEniCleanupEc2 = Pick<
  Ec2Port,
  'listNetworkInterfaces' | 'tagNetworkInterface' | 'deleteNetworkInterface'
>;

/** One cleanup pass: scan, decide, tag or delete. A failure on one ENI does not stop the others. */
export async function runLeakedEniCleanup(
  ec2: LeakedEniCleanupEc2,
  options: LeakedEniCleanupOptions,
): Promise<LeakedEniCleanupReport> {
  const candidates = await ec2.listNetworkInterfaces(
    leakedEniFilters(options.vpcId, options.clusterName),
  );
  const deleted: string[] = [];
  const tagged: string[] = [];
  const skipped: string[] = [];
  const failed: { eniId: string; error: Error }[] = [];
  for (const eni of candidates) {
    const now = options.clock.now();
    const decision = decideLeakedEni(eni, now);
    try {
      if (decision.action === 'delete') {
        await ec2.deleteNetworkInterface(eni.eniId);
        deleted.push(eni.eniId);
      } else if (decision.action === 'tagCreatedAt') {
        const tags: Tags = { [TAG_CREATED_AT]: formatCreatedAt(now) };
        await ec2.tagNetworkInterface(eni.eniId, tags);
        tagged.push(eni.eniId);
      } else {
        skipped.push(eni.eniId);
      }
    } catch (err) {
      failed.push({ eniId: eni.eniId, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return { deleted, tagged, skipped, failed };
}
