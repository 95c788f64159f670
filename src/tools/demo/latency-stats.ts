/** Durations of calls, for the median and the maximum. */
export class LatencyStats {
  private readonly samples: number[] = [];
  private max = 0;
  /** Keeps the median cheap over a long run: only the most recent samples count for it. */
  private readonly window: number;

  constructor(window = 2_000) {
    this.window = window;
  }

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.window) this.samples.shift();
    this.max = Math.max(this.max, ms);
  }

  get count(): number {
    return this.samples.length;
  }

  /** Median of the recent samples; undefined before the first. */
  p50(): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  }

  /** Largest sample since the start; undefined before the first. */
  maximum(): number | undefined {
    return this.samples.length === 0 && this.max === 0 ? undefined : this.max;
  }
}
