/**
 * The per-kind counters of every ENI of a datastore, one 64-byte row per ENI in one Int32Array.
 * Each request updates a random ENI's counters; kept as separate small typed arrays on each ENI
 * they were five objects (ten cache lines) per ENI to reach, and with 64 ENIs they fell out of
 * the L1 cache between requests (docs/benchmarks.md). Here all ENIs' counters take 64 bytes each
 * and are reached through one pointer.
 *
 * A field is read as `values[row + FIELD + kind]`, kind being 0 for /32 secondary IPs and 1 for
 * /28 prefixes.
 */

/** Addresses in the ENI's CIDRs of the kind. */
export const ENI_TOTAL = 0;
export const ENI_ASSIGNED = 2;
export const ENI_COOLING = 4;
/** CIDRs of the kind. */
export const ENI_CIDRS = 6;
/** CIDRs of the kind with no assigned address. */
export const ENI_ZERO_ASSIGNED = 8;

const ROW_INTS = 16;

export class EniCounters {
  /** The rows; replaced (copied) when it grows, so read it afresh after `take`. */
  values = new Int32Array(ROW_INTS * 4);
  private readonly freeRows: number[] = [];
  private used = 0;

  /** A zeroed row for a new ENI: its offset in `values`. */
  take(): number {
    const reused = this.freeRows.pop();
    if (reused !== undefined) return reused;
    const row = this.used * ROW_INTS;
    if (row + ROW_INTS > this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.used++;
    return row;
  }

  /** Gives a removed ENI's row back, zeroed for its next owner. */
  release(row: number): void {
    this.values.fill(0, row, row + ROW_INTS);
    this.freeRows.push(row);
  }
}
