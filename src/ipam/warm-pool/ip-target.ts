import { PREFIX_SIZE } from '../instance-limits.ts';
import { available, type PoolSettings, type PoolStats } from './pool-numbers.ts';
import type { KeptOnOtherEnis, WarmTarget } from './warm-target.ts';

/**
 * WARM_IP_TARGET (W: free addresses) and MINIMUM_IP_TARGET (M: total addresses), the reference's
 * "warm IP targets defined" mode: on whenever W > 0 or M > 0, and always on network cards > 0,
 * which use W = M = 1 whatever the environment says. Replaces WARM_ENI_TARGET and
 * WARM_PREFIX_TARGET (except P's ENI-release rule with prefix delegation).
 */
export class IpTarget implements WarmTarget {
  readonly setting = 'WARM_IP_TARGET/MINIMUM_IP_TARGET' as const;
  readonly fillsWholeEnis = false;
  readonly keptWhenFreeingAnEni: KeptOnOtherEnis;
  readonly warmIp: number;
  readonly minimumIp: number;
  private readonly prefixDelegation: boolean;
  /**
   * Short and over in prefixes only on card 0: the reference skips the conversion on cards > 0
   * (W = M = 1 there, so a short of 1 is later read as one prefix, which is what it needs).
   */
  private readonly convertsToPrefixes: boolean;

  constructor(settings: PoolSettings) {
    this.warmIp = settings.networkCard > 0 ? 1 : settings.warmIpTarget;
    this.minimumIp = settings.networkCard > 0 ? 1 : settings.minimumIpTarget;
    this.prefixDelegation = settings.prefixDelegation;
    this.convertsToPrefixes = settings.prefixDelegation && settings.networkCard === 0;
    const round = (n: number) =>
      settings.prefixDelegation ? Math.ceil(n / PREFIX_SIZE) * PREFIX_SIZE : n;
    this.keptWhenFreeingAnEni = {
      warmIp: round(this.warmIp),
      minimumIp: round(this.minimumIp),
      warmPrefixes: settings.prefixDelegation ? settings.warmPrefixTarget : 0,
    };
  }

  /** W free on top of the waiting ADDs, and M in total. */
  addressesShort(stats: PoolStats, waitingAdds: number): number {
    return Math.max(
      this.warmIp + waitingAdds - available(stats),
      this.minimumIp - stats.totalIPs,
      0,
    );
  }

  /** The reference's `datastoreTargetState`, in units. */
  targetState(stats: PoolStats): { short: number; over: number } {
    const short = this.addressesShort(stats, 0);
    const free = available(stats);
    const over = Math.max(
      Math.min(Math.max(free - this.warmIp, 0), stats.totalIPs - this.minimumIp),
      0,
    );
    if (!this.convertsToPrefixes) return { short, over };
    const needForWarm = Math.ceil((stats.assignedIPs + this.warmIp) / PREFIX_SIZE);
    const needForMinimum = Math.ceil(this.minimumIp / PREFIX_SIZE);
    const overPrefixes = Math.max(
      0,
      Math.min(
        stats.freePrefixes,
        stats.totalPrefixes - needForWarm,
        stats.totalPrefixes - needForMinimum,
      ),
    );
    return { short: Math.ceil(short / PREFIX_SIZE), over: overPrefixes };
  }

  unitsWhenShort(stats: PoolStats): number {
    const { short } = this.targetState(stats);
    // getPrefixesNeeded asks for at least one prefix.
    return this.prefixDelegation ? Math.max(1, short) : short;
  }

  unitsFor(addresses: number): number {
    return this.prefixDelegation ? Math.ceil(addresses / PREFIX_SIZE) : addresses;
  }

  excess(stats: PoolStats): number {
    return this.targetState(stats).over;
  }

  /** The real check is which ENI qualifies (W and M on the others). */
  mayHaveExtraEnis(): boolean {
    return true;
  }
}
