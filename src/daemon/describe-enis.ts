import type { EniDescription } from '../aws/ec2-port.ts';
import { isEc2Error, toEc2Error } from '../aws/errors.ts';
import type { Ec2Context } from './ec2-context.ts';

/** The reference's DescribeAllENIs: tries of the by-ID describe, NotFound pruning included. */
export const DESCRIBE_ENIS_TRIES = 12;

export interface DescribedEnis {
  readonly enis: readonly EniDescription[];
  /** IDs EC2 said do not exist (quoted in InvalidNetworkInterfaceID.NotFound). */
  readonly notFound: readonly string[];
}

/** One ENI, or undefined when EC2 does not know it. */
export async function describeEni(
  ctx: Pick<Ec2Context, 'ec2'>,
  eniId: string,
): Promise<EniDescription | undefined> {
  try {
    const [eni] = await ctx.ec2.describeNetworkInterfaces([eniId]);
    return eni;
  } catch (err) {
    if (isEc2Error(err, 'notFound')) return undefined;
    throw err;
  }
}

/**
 * The ENIs with these IDs (the reference's DescribeAllENIs). EC2 fails the whole call for one
 * unknown ID and quotes it: those are dropped and the call repeated at once; other failures wait
 * try × 10 ms, up to 12 tries.
 */
export async function describeEnis(
  ctx: Pick<Ec2Context, 'ec2' | 'scheduler' | 'logger'>,
  eniIds: readonly string[],
): Promise<DescribedEnis> {
  let remaining = [...new Set(eniIds)];
  const notFound: string[] = [];
  for (let attempt = 1; ; attempt++) {
    if (remaining.length === 0) return { enis: [], notFound };
    try {
      return { enis: await ctx.ec2.describeNetworkInterfaces(remaining), notFound };
    } catch (err) {
      const error = toEc2Error('DescribeNetworkInterfaces', err);
      if (attempt >= DESCRIBE_ENIS_TRIES || error.kind === 'unauthorized') throw error;
      if (error.kind === 'notFound') {
        const missing = error.eniIds.filter((id) => remaining.includes(id));
        if (missing.length === 0) throw error;
        ctx.logger.info({ missing }, 'ENIs not found in EC2, describing the others again');
        notFound.push(...missing);
        remaining = remaining.filter((id) => !missing.includes(id));
        continue;
      }
      await ctx.scheduler.sleep(attempt * 10);
    }
  }
}
