import type { Tags } from '../aws/ec2-port.ts';
import { desiredEniTags, eniTagsToSend } from '../ipam/eni/tags.ts';
import { type Ec2Context, retryEc2 } from './ec2-context.ts';

/** CreateTags on one ENI with the CreateTags back-off; a vanished ENI is not retried. */
export function tagEni(ctx: Ec2Context, eniId: string, tags: Tags): Promise<void> {
  if (Object.keys(tags).length === 0) return Promise.resolve();
  return retryEc2(
    ctx,
    ctx.schedules.createTags,
    'tagging the ENI',
    { eniId },
    () => ctx.ec2.createTags(eniId, tags),
    (error) => error.kind !== 'notFound',
  );
}

/**
 * The reference's TagENI: sends the desired tags (all but createdAt) that `currentTags` lacks or
 * has with another value; resolves with what was sent (empty → no call).
 */
export async function ensureEniTags(
  ctx: Ec2Context,
  eniId: string,
  currentTags: Tags,
): Promise<Tags> {
  const missing = eniTagsToSend(desiredEniTags(ctx.tags), currentTags);
  if (Object.keys(missing).length === 0) return {};
  await tagEni(ctx, eniId, missing);
  return missing;
}
