import type { Ec2ErrorKind } from './errors.ts';

/**
 * What the EC2 adapter reports about its API use, as a port: the daemon wires it to prom-client;
 * tests and `vpc-ipamd check` read Ec2ApiStats. The adapter never depends on a metrics library.
 */

export type Ec2CallOutcome = 'success' | Ec2ErrorKind;

/** One EC2 action as the adapter saw it: SDK retries included, the client-side wait excluded. */
export interface Ec2CallEvent {
  readonly action: string;
  /** Client-side bucket the call drew its token from. */
  readonly bucket: string;
  readonly outcome: Ec2CallOutcome;
  /** EC2's error code when the call failed. */
  readonly errorCode?: string;
  /** HTTP status of the failed answer, when there was one (none for timeouts). */
  readonly httpStatus?: number;
  /** From sending the request to the final answer, SDK retries included. */
  readonly latencyMs: number;
  /** HTTP attempts the SDK made (1 when it did not retry; 0 when unknown). */
  readonly attempts: number;
  /** Time spent waiting for a client-side token before sending. */
  readonly rateLimitWaitMs: number;
}

export interface Ec2ApiObserver {
  /** Every EC2 action the adapter sent, once, when it finished. */
  onCall(event: Ec2CallEvent): void;
  /**
   * Every HTTP attempt EC2 answered with a throttling error — those the SDK retried away too, so
   * server-side throttling behind our own buckets stays visible.
   */
  onThrottled(action: string, errorCode: string): void;
}

export const noopEc2ApiObserver: Ec2ApiObserver = Object.freeze({
  onCall: () => {},
  onThrottled: () => {},
});

/** Per-action totals kept by Ec2ApiStats. */
export interface Ec2ActionStats {
  calls: number;
  errors: number;
  /** Throttling answers from EC2, one per HTTP attempt. */
  throttled: number;
  errorsByKind: Partial<Record<Ec2ErrorKind, number>>;
  errorsByCode: Record<string, number>;
  latencyMsSum: number;
  latencyMsMax: number;
  rateLimitWaitMsSum: number;
  attempts: number;
}

/** An in-memory observer: per-action call counts, errors, throttles, latencies. */
export class Ec2ApiStats implements Ec2ApiObserver {
  private readonly byAction = new Map<string, Ec2ActionStats>();

  private entry(action: string): Ec2ActionStats {
    let stats = this.byAction.get(action);
    if (!stats) {
      stats = {
        calls: 0,
        errors: 0,
        throttled: 0,
        errorsByKind: {},
        errorsByCode: {},
        latencyMsSum: 0,
        latencyMsMax: 0,
        rateLimitWaitMsSum: 0,
        attempts: 0,
      };
      this.byAction.set(action, stats);
    }
    return stats;
  }

  onCall(event: Ec2CallEvent): void {
    const stats = this.entry(event.action);
    stats.calls++;
    stats.attempts += event.attempts;
    stats.latencyMsSum += event.latencyMs;
    stats.latencyMsMax = Math.max(stats.latencyMsMax, event.latencyMs);
    stats.rateLimitWaitMsSum += event.rateLimitWaitMs;
    if (event.outcome !== 'success') {
      stats.errors++;
      stats.errorsByKind[event.outcome] = (stats.errorsByKind[event.outcome] ?? 0) + 1;
      const code = event.errorCode ?? 'Unknown';
      stats.errorsByCode[code] = (stats.errorsByCode[code] ?? 0) + 1;
    }
  }

  onThrottled(action: string): void {
    this.entry(action).throttled++;
  }

  /** A deep copy of the totals, keyed by action. */
  snapshot(): Record<string, Ec2ActionStats> {
    const out: Record<string, Ec2ActionStats> = {};
    for (const [action, stats] of this.byAction) {
      out[action] = {
        ...stats,
        errorsByKind: { ...stats.errorsByKind },
        errorsByCode: { ...stats.errorsByCode },
      };
    }
    return out;
  }

  /** Calls of one action (0 if never called). */
  calls(action: string): number {
    return this.byAction.get(action)?.calls ?? 0;
  }
}

/** Sends every event to each observer in turn. */
export function fanOutEc2ApiObserver(...observers: readonly Ec2ApiObserver[]): Ec2ApiObserver {
  return {
    onCall: (event) => {
      for (const observer of observers) observer.onCall(event);
    },
    onThrottled: (action, code) => {
      for (const observer of observers) observer.onThrottled(action, code);
    },
  };
}
