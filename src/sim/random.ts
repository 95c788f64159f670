/**
 * A small seeded pseudo-random source (mulberry32). The simulator draws latencies, fault dice,
 * IDs and free addresses from it so that one seed gives one reproducible region.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // A zero state would still work with mulberry32, but mixing the seed spreads small seeds apart.
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** Uniform number in [min, max] (a float; callers round when they need to). */
  between(min: number, max: number): number {
    return max <= min ? min : min + this.next() * (max - min);
  }
}
