import { available, type PoolSettings, type PoolStats } from './pool-numbers.ts';
import { keepOneFree, type WarmTarget } from './warm-target.ts';

/**
 * WARM_ENI_TARGET (E) without prefix delegation or IP targets: keep E ENIs' worth of addresses
 * free (not E empty ENIs), grow by whole ENIs, never release single addresses — only whole ENIs,
 * once E + 1 ENIs' worth is free.
 */
export class EniTarget implements WarmTarget {
  readonly setting = 'WARM_ENI_TARGET' as const;
  readonly fillsWholeEnis = true;
  readonly keptWhenFreeingAnEni = { warmIp: 0, minimumIp: 0, warmPrefixes: 0 };
  private readonly warmEnis: number;
  private readonly perEni: number;

  constructor(settings: PoolSettings) {
    this.warmEnis = settings.warmEniTarget;
    this.perEni = settings.maxIPsPerEni;
  }

  addressesShort(stats: PoolStats, waitingAdds: number): number {
    const free = available(stats);
    return keepOneFree(
      Math.max(this.warmEnis * this.perEni + waitingAdds - free, 0),
      this.warmEnis,
      free,
    );
  }

  /** A whole ENI's worth (the reference's tryAssignIPs in WARM_ENI mode). */
  unitsWhenShort(): number {
    return this.perEni;
  }

  unitsFor(addresses: number): number {
    return addresses;
  }

  excess(): number {
    return 0;
  }

  mayHaveExtraEnis(stats: PoolStats): boolean {
    return available(stats) >= (this.warmEnis + 1) * this.perEni;
  }
}
