import { PREFIX_SIZE } from '../instance-limits.ts';
import { available, type PoolSettings, type PoolStats } from './pool-numbers.ts';
import { keepOneFree, type WarmTarget } from './warm-target.ts';

/**
 * WARM_PREFIX_TARGET (P) with prefix delegation and no IP targets. The reference judges "too low"
 * by free addresses (fewer than 16 × P) but sizes requests and releases by whole free prefixes
 * (P − free prefixes): both kept as they are.
 */
export class PrefixTarget implements WarmTarget {
  readonly setting = 'WARM_PREFIX_TARGET' as const;
  readonly fillsWholeEnis = false;
  readonly keptWhenFreeingAnEni: { warmIp: 0; minimumIp: 0; warmPrefixes: number };
  private readonly warmPrefixes: number;
  /** Addresses of a whole ENI (its prefixes × 16). */
  private readonly perEni: number;

  constructor(settings: PoolSettings) {
    this.warmPrefixes = settings.warmPrefixTarget;
    this.perEni = settings.maxIPsPerEni;
    this.keptWhenFreeingAnEni = { warmIp: 0, minimumIp: 0, warmPrefixes: this.warmPrefixes };
  }

  addressesShort(stats: PoolStats, waitingAdds: number): number {
    const free = available(stats);
    return keepOneFree(
      Math.max(this.warmPrefixes * PREFIX_SIZE + waitingAdds - free, 0),
      this.warmPrefixes,
      free,
    );
  }

  /** The reference's getPrefixesNeeded: P − free prefixes, at least one. */
  unitsWhenShort(stats: PoolStats): number {
    return Math.max(1, this.prefixesMissing(stats));
  }

  unitsFor(addresses: number, stats: PoolStats, headroom: number): number {
    return Math.min(
      Math.max(Math.ceil(addresses / PREFIX_SIZE), this.prefixesMissing(stats)),
      Math.ceil(headroom / PREFIX_SIZE),
    );
  }

  excess(stats: PoolStats): number {
    return Math.max(stats.freePrefixes - this.warmPrefixes, 0);
  }

  /** A whole ENI's worth beyond P free, or any empty ordinary ENI (`CheckFreeableENIexists`). */
  mayHaveExtraEnis(stats: PoolStats, anyEmptyOrdinaryEni: boolean): boolean {
    return available(stats) >= (this.warmPrefixes + 1) * this.perEni || anyEmptyOrdinaryEni;
  }

  private prefixesMissing(stats: PoolStats): number {
    return Math.max(this.warmPrefixes - stats.freePrefixes, 0);
  }
}
