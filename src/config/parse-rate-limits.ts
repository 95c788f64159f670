import { EC2_DEFAULT_BUCKETS } from './ec2-buckets.ts';
import { quote } from './quote.ts';
import type { ConfigWarning, TokenBucketSpec } from './types.ts';

const VARIABLE = 'EC2_API_RATE_LIMITS';
const SPEC_KEYS: ReadonlySet<string> = new Set(['capacity', 'refillPerSecond']);

/** The spec as given when it is exactly {capacity > 0, refillPerSecond ≥ 0}, finite numbers. */
function asBucketSpec(raw: unknown): TokenBucketSpec | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  // An unknown key is almost always a misspelt field; silently using the default would hide it.
  if (Object.keys(record).some((k) => !SPEC_KEYS.has(k))) return undefined;
  const { capacity, refillPerSecond } = record;
  if (typeof capacity !== 'number' || !Number.isFinite(capacity) || capacity <= 0) return undefined;
  if (typeof refillPerSecond !== 'number' || !Number.isFinite(refillPerSecond)) return undefined;
  if (refillPerSecond < 0) return undefined;
  return { capacity, refillPerSecond };
}

/**
 * EC2_API_RATE_LIMITS (ours): overrides of the client-side token buckets, keyed by the bucket
 * names of src/config/ec2-buckets.ts. A bad entry is ignored on its own; the rest still apply.
 */
export function parseRateLimits(text: string): {
  value: Record<string, TokenBucketSpec>;
  warnings: ConfigWarning[];
} {
  const warnings: ConfigWarning[] = [];
  if (text === '') return { value: {}, warnings };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    warnings.push({
      variable: VARIABLE,
      value: text,
      message: `${VARIABLE}=${quote(text)} is not a JSON object; the default EC2 rate limits apply (expected e.g. {"CreateTags":{"capacity":50,"refillPerSecond":5}})`,
    });
    return { value: {}, warnings };
  }

  const known = Object.keys(EC2_DEFAULT_BUCKETS);
  const value: [string, TokenBucketSpec][] = [];
  for (const [name, raw] of Object.entries(parsed)) {
    if (!Object.hasOwn(EC2_DEFAULT_BUCKETS, name)) {
      warnings.push({
        variable: VARIABLE,
        value: name,
        message: `${VARIABLE}: unknown bucket ${quote(name)}; ignored (known buckets: ${known.join(', ')})`,
      });
      continue;
    }
    const spec = asBucketSpec(raw);
    if (spec === undefined) {
      warnings.push({
        variable: VARIABLE,
        value: JSON.stringify(raw),
        message: `${VARIABLE}: bucket ${quote(name)} has spec ${JSON.stringify(raw)}; ignored (expected {"capacity": >0, "refillPerSecond": ≥0})`,
      });
      continue;
    }
    value.push([name, spec]);
  }
  return { value: Object.fromEntries(value), warnings };
}
