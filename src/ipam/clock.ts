/**
 * The only source of time for core code. Core never reads Date.now(): the daemon passes the
 * system clock (src/system-clock.ts), tests pass a ManualClock and move it by hand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock that only moves when told to; for tests and simulated time. */
export class ManualClock implements Clock {
  private current: number;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock does not go backwards');
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
