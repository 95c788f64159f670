import type { ActionCounters, SimCounters } from './api.ts';

/** Calls, errors and throttles per EC2 action, and IMDS requests. */
export class CounterBook {
  private actions = new Map<string, { calls: number; errors: number; throttled: number }>();
  private imds = 0;

  call(action: string): void {
    this.entry(action).calls += 1;
  }

  /** An error answer; throttled ones (RequestLimitExceeded, real or injected) are also counted as throttled. */
  error(action: string, throttled: boolean): void {
    const entry = this.entry(action);
    entry.errors += 1;
    if (throttled) entry.throttled += 1;
  }

  imdsRequest(): void {
    this.imds += 1;
  }

  snapshot(): SimCounters {
    const actions: Record<string, ActionCounters> = {};
    for (const [name, entry] of [...this.actions].sort((a, b) => a[0].localeCompare(b[0]))) {
      actions[name] = { ...entry };
    }
    return { actions, imdsRequests: this.imds };
  }

  reset(): void {
    this.actions = new Map();
    this.imds = 0;
  }

  private entry(action: string): { calls: number; errors: number; throttled: number } {
    let entry = this.actions.get(action);
    if (!entry) {
      entry = { calls: 0, errors: 0, throttled: 0 };
      this.actions.set(action, entry);
    }
    return entry;
  }
}
