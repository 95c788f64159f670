import { toEc2Error } from '../aws/errors.ts';
import type { Ec2Context } from './ec2-context.ts';
import { clampCount } from './eni-lifecycle.ts';

export interface AssignOptions {
  /** Caps the count (IPv4Limit − 1 for the instance type); no cap when absent. */
  readonly maxCount?: number;
  /**
   * Retry once with a count of 1 when the first call fails (the reference's tryAssignIPs /
   * tryAssignPrefixes); never after PrivateIpAddressLimitExceeded or UnauthorizedOperation.
   * Default true.
   */
  readonly retryWithOne?: boolean;
}

/**
 * Assigns `count` more secondary addresses, or /28 prefixes, to an ENI; resolves with what EC2
 * assigned. A count < 1 (after the cap) makes no call.
 */
export async function assignAddresses(
  ctx: Pick<Ec2Context, 'ec2' | 'logger'>,
  eniId: string,
  kind: 'secondaryIpv4' | 'ipv4Prefix',
  count: number,
  options: AssignOptions = {},
): Promise<string[]> {
  const assign = (n: number) =>
    kind === 'ipv4Prefix'
      ? ctx.ec2.assignIpv4Prefixes(eniId, n)
      : ctx.ec2.assignPrivateIpAddresses(eniId, n);
  const n = clampCount(count, options.maxCount);
  if (n < 1) return [];
  try {
    return await assign(n);
  } catch (err) {
    const error = toEc2Error('AssignPrivateIpAddresses', err);
    const noRetry = error.kind === 'limitExceeded' || error.kind === 'unauthorized';
    if (options.retryWithOne === false || n === 1 || noRetry) throw error;
    ctx.logger.warn(
      { eniId, count: n, err: error.message },
      'assigning failed, retrying with a count of 1',
    );
    return assign(1);
  }
}
