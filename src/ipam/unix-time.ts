/**
 * Instants as the datastore keeps them: integer milliseconds since the epoch (what a Clock gives)
 * plus the nanoseconds below the millisecond. The checkpoint stores Unix nanoseconds, which do not
 * fit a double exactly (≈1.8e18 > 2^53); splitting keeps a restored timestamp bit-exact when it is
 * written back, without BigInt on the hot path.
 */
export interface UnixTime {
  readonly ms: number;
  /** 0–999,999 nanoseconds past `ms`. */
  readonly subMsNs: number;
}

const NS_PER_MS = 1_000_000n;

export function unixTimeFromNanos(ns: bigint): UnixTime {
  let ms = ns / NS_PER_MS;
  let rest = ns % NS_PER_MS;
  if (rest < 0n) {
    // BigInt division truncates toward zero; instants before 1970 still need a non-negative remainder.
    ms -= 1n;
    rest += NS_PER_MS;
  }
  return { ms: Number(ms), subMsNs: Number(rest) };
}

export function unixNanos(ms: number, subMsNs: number): bigint {
  return BigInt(ms) * NS_PER_MS + BigInt(subMsNs);
}

/** Splits a clock reading (normally whole milliseconds) into the two parts. */
export function splitClockMs(now: number): UnixTime {
  const ms = Math.floor(now);
  return { ms, subMsNs: Math.round((now - ms) * 1e6) };
}

/** Go's zero time.Time as encoding/json writes it; used where a time was never set. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * RFC 3339 with nanoseconds and trailing zeros trimmed, in UTC: what Go's time.Time MarshalJSON
 * writes (RFC3339Nano) for a UTC time.
 */
export function formatRfc3339Nano(ms: number, subMsNs: number): string {
  if (!Number.isFinite(ms)) return GO_ZERO_TIME;
  const seconds = Math.floor(ms / 1000);
  const fraction = (ms - seconds * 1000) * 1_000_000 + subMsNs;
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (fraction === 0) return `${whole}Z`;
  return `${whole}.${String(fraction).padStart(9, '0').replace(/0+$/, '')}Z`;
}
