import { decideLeakedEni, leakedEniFilters } from '../ipam/eni/leaked.ts';
import { formatCreatedAt, TAG_CREATED_AT } from '../ipam/eni/tags.ts';
import type { Ec2Context } from './ec2-context.ts';
import { deleteEni } from './eni-lifecycle.ts';
import { tagEni } from './eni-tagging.ts';

export interface LeakedEniCleanupReport {
  readonly deleted: readonly string[];
  /** Candidates that got a fresh createdAt tag (it was missing or unreadable) and were kept. */
  readonly tagged: readonly string[];
  /** Candidates kept for another reason (too young, not ours). */
  readonly skipped: readonly string[];
  readonly failed: readonly { readonly eniId: string; readonly error: Error }[];
}

/**
 * One pass of the reference's leaked-ENI cleanup in `vpcId`: scan by tag and status, decide
 * each ENI by the core rule, tag or delete it. A failure on one ENI does not stop the others.
 */
export async function cleanUpLeakedEnis(
  ctx: Ec2Context,
  vpcId: string,
): Promise<LeakedEniCleanupReport> {
  const candidates = await ctx.ec2.listNetworkInterfaces(
    leakedEniFilters(vpcId, ctx.tags.clusterName),
  );
  const deleted: string[] = [];
  const tagged: string[] = [];
  const skipped: string[] = [];
  const failed: { eniId: string; error: Error }[] = [];
  for (const eni of candidates) {
    const now = ctx.scheduler.now();
    const decision = decideLeakedEni(eni, now);
    try {
      if (decision.action === 'delete') {
        await deleteEni(ctx, eni.eniId);
        deleted.push(eni.eniId);
      } else if (decision.action === 'tagCreatedAt') {
        await tagEni(ctx, eni.eniId, { [TAG_CREATED_AT]: formatCreatedAt(now) });
        tagged.push(eni.eniId);
      } else {
        skipped.push(eni.eniId);
      }
    } catch (err) {
      failed.push({ eniId: eni.eniId, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  if (deleted.length > 0 || tagged.length > 0 || failed.length > 0) {
    ctx.logger.info(
      {
        deleted,
        tagged,
        failed: failed.map((f) => ({ eniId: f.eniId, err: f.error.message })),
      },
      'leaked-ENI cleanup',
    );
  }
  return { deleted, tagged, skipped, failed };
}
