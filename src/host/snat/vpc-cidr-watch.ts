import { normaliseIpv4Cidr } from '../../ipam/cidr.ts';
import { type HostLog, silentHostLog } from '../host-log.ts';

/**
 * Re-reads the VPC's CIDR blocks every 30 s and re-applies the SNAT rules only when the set
 * changed (the reference's nodeInit loop around UpdateHostSNATRules). A failed read or apply is
 * logged and tried again on the next tick; the set counts as applied only once the apply succeeded.
 */

export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const globalScheduler: Scheduler = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A background re-check must not keep the process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface VpcCidrWatchOptions {
  /** Reads the current VPC CIDRs (IMDS in the daemon). */
  readonly source: () => Promise<readonly string[]>;
  /** Re-applies the host's SNAT rules for a new set (HostNetwork.updateSnat in the daemon). */
  readonly apply: (cidrs: readonly string[]) => Promise<unknown>;
  /** The set the host was set up with. */
  readonly initial: readonly string[];
  readonly intervalMs?: number;
  readonly scheduler?: Scheduler;
  readonly log?: HostLog;
}

export const VPC_CIDR_RECHECK_MS = 30_000;

/** Order- and duplicate-insensitive identity of a CIDR set. */
function setKey(cidrs: readonly string[]): string {
  return [...new Set(cidrs.map((c) => normaliseIpv4Cidr(c.trim()) ?? c.trim()))].sort().join(',');
}

export class VpcCidrWatch {
  private readonly options: VpcCidrWatchOptions;
  private readonly scheduler: Scheduler;
  private readonly log: HostLog;
  private applied: string;
  private handle: unknown;
  private running = false;
  private inFlight: Promise<boolean> | undefined;

  constructor(options: VpcCidrWatchOptions) {
    this.options = options;
    this.scheduler = options.scheduler ?? globalScheduler;
    this.log = options.log ?? silentHostLog;
    this.applied = setKey(options.initial);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.scheduler.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** One re-check; resolves true when the rules were re-applied. Overlapping calls share one. */
  check(): Promise<boolean> {
    this.inFlight ??= this.checkNow().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(): void {
    // A chain of timeouts rather than an interval: a slow apply never overlaps the next tick.
    this.handle = this.scheduler.setTimeout(() => {
      void this.check().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.options.intervalMs ?? VPC_CIDR_RECHECK_MS);
  }

  private async checkNow(): Promise<boolean> {
    let cidrs: readonly string[];
    try {
      cidrs = await this.options.source();
    } catch (error) {
      this.log.warn(
        { err: String(error) },
        'could not read the VPC CIDRs; keeping the current SNAT rules',
      );
      return false;
    }
    const key = setKey(cidrs);
    if (key === this.applied) return false;
    try {
      await this.options.apply(cidrs);
    } catch (error) {
      this.log.error({ err: String(error), cidrs }, 'updating SNAT rules for new VPC CIDRs failed');
      return false;
    }
    this.log.info({ from: this.applied, to: key }, 'VPC CIDRs changed; SNAT rules updated');
    this.applied = key;
    return true;
  }
}
