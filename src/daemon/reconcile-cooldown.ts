/**
 * CIDRs (a '/32' address or a '/28' prefix) recently given back to EC2. For 60 s reconcile does
 * not put them back into the pool even if IMDS (which lags) or EC2 (eventually consistent) still
 * lists them (the reference's reconcile cooldown cache, which DeallocCidrs fills).
 */
export const RECONCILE_COOLDOWN_MS = 60_000;

export class ReconcileCooldown {
  private readonly releasedAt = new Map<string, number>();

  add(cidr: string, now: number): void {
    this.releasedAt.set(cidr, now);
  }

  isCooling(cidr: string, now: number): boolean {
    const at = this.releasedAt.get(cidr);
    if (at === undefined) return false;
    if (now - at < RECONCILE_COOLDOWN_MS) return true;
    this.releasedAt.delete(cidr);
    return false;
  }

  get size(): number {
    return this.releasedAt.size;
  }
}
