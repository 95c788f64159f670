import { type Clock, ManualClock } from '../ipam/clock.ts';

/**
 * Time for the daemon: the clock, sleeping and timers. Production uses real time; `vpc-ipamd plan`
 * uses a VirtualScheduler so a whole day of pool decisions runs in a few seconds.
 */
export interface Scheduler extends Clock {
  sleep(ms: number): Promise<void>;
  /** Runs `fn` once after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

interface VirtualTimer {
  due: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly repeatMs: number | undefined;
  cancelled: boolean;
}

/**
 * Simulated time driven by one sequential caller: `sleep(ms)` moves the clock forward at once
 * (nothing else runs meanwhile that could observe the difference), and timers fire, in due order,
 * when the clock is moved with `advance`.
 */
export class VirtualScheduler implements Scheduler {
  readonly clock: ManualClock;
  private timers: VirtualTimer[] = [];
  private seq = 0;

  constructor(clock = new ManualClock()) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.now();
  }

  async sleep(ms: number): Promise<void> {
    this.advance(Math.max(0, ms));
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, undefined);
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, ms);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (;;) {
      const next = this.nextTimer(target);
      if (!next) break;
      this.clock.set(Math.max(this.clock.now(), next.due));
      if (next.repeatMs !== undefined) next.due += next.repeatMs;
      else next.cancelled = true;
      next.fn();
    }
    this.clock.set(target);
    this.timers = this.timers.filter((timer) => !timer.cancelled);
  }

  private nextTimer(limit: number): VirtualTimer | undefined {
    let next: VirtualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.due > limit) continue;
      if (!next || timer.due < next.due || (timer.due === next.due && timer.seq < next.seq))
        next = timer;
    }
    return next;
  }

  private add(ms: number, fn: () => void, repeatMs: number | undefined): () => void {
    const timer: VirtualTimer = {
      due: this.clock.now() + ms,
      seq: this.seq++,
      fn,
      repeatMs,
      cancelled: false,
    };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}
