/**
 * Number syntaxes of the reference's variables: Go's strconv.Atoi, strconv.ParseInt(s, 0, 64)
 * for the connmark, and our own decimal seconds. Each returns undefined where Go would return an
 * error, so callers decide between a fallback and a fatal problem.
 */

const ATOI_SYNTAX = /^[+-]?[0-9]+$/;

/**
 * Go's strconv.Atoi: optional sign, ASCII digits only, no whitespace or underscores. Go accepts
 * the whole int64 range; beyond Number.MAX_SAFE_INTEGER a JS number would silently round, so such
 * values count as unparseable (none of our variables has a meaning up there).
 */
export function parseGoAtoi(text: string): number | undefined {
  if (!ATOI_SYNTAX.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) return undefined;
  // '-0' must read as 0, not -0: they print and compare (Object.is) differently.
  return value === 0 ? 0 : value;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Value of an ASCII digit or letter as Go's ParseUint sees it (a/A = 10 … z/Z = 35). */
function digitValue(code: number): number | undefined {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (code < 0x80 && lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return undefined;
}

/**
 * Go's underscoreOK: in base-0 parsing an underscore may only sit between two digits or between
 * the base prefix and a digit ('0x_80' and '1_000' are fine, '_1', '1_', '1__0' are not).
 */
function underscoresPlacedLikeGo(unsigned: string): boolean {
  // 'edge' = start of the number, 'digit' = a digit or the base prefix, 'underscore', 'other'.
  let last: 'edge' | 'digit' | 'underscore' | 'other' = 'edge';
  let i = 0;
  let hex = false;
  const marker = unsigned[1]?.toLowerCase();
  if (
    unsigned.length >= 2 &&
    unsigned[0] === '0' &&
    (marker === 'b' || marker === 'o' || marker === 'x')
  ) {
    i = 2;
    last = 'digit';
    hex = marker === 'x';
  }
  for (; i < unsigned.length; i++) {
    const c = unsigned[i]!;
    if ((c >= '0' && c <= '9') || (hex && /^[a-fA-F]$/.test(c))) {
      last = 'digit';
    } else if (c === '_') {
      if (last !== 'digit') return false;
      last = 'underscore';
    } else {
      if (last === 'underscore') return false;
      last = 'other';
    }
  }
  return last !== 'underscore';
}

/**
 * Go's strconv.ParseInt(text, 0, 64): optional sign; base from the prefix (0x/0X hex, 0o/0O
 * octal, 0b/0B binary, a bare leading 0 octal, else decimal); underscores as Go allows them;
 * the result must fit int64. BigInt keeps every int64 exact.
 */
export function parseGoIntBase0(text: string): bigint | undefined {
  let unsigned = text;
  let negative = false;
  if (unsigned[0] === '+' || unsigned[0] === '-') {
    negative = unsigned[0] === '-';
    unsigned = unsigned.slice(1);
  }
  if (unsigned === '') return undefined;

  let base = 10;
  let digits = unsigned;
  if (unsigned[0] === '0') {
    // Go needs a digit after a two-letter prefix: '0x' alone falls to octal and fails on 'x'.
    const marker = unsigned.length >= 3 ? unsigned[1]!.toLowerCase() : '';
    base = marker === 'x' ? 16 : marker === 'o' ? 8 : marker === 'b' ? 2 : 8;
    digits =
      marker === 'x' || marker === 'o' || marker === 'b' ? unsigned.slice(2) : unsigned.slice(1);
  }

  let magnitude = 0n;
  let sawUnderscore = false;
  const bigBase = BigInt(base);
  for (let i = 0; i < digits.length; i++) {
    if (digits[i] === '_') {
      sawUnderscore = true;
      continue;
    }
    const digit = digitValue(digits.charCodeAt(i));
    if (digit === undefined || digit >= base) return undefined;
    magnitude = magnitude * bigBase + BigInt(digit);
  }
  if (sawUnderscore && !underscoresPlacedLikeGo(unsigned)) return undefined;

  const value = negative ? -magnitude : magnitude;
  if (value > INT64_MAX || value < INT64_MIN) return undefined;
  return value;
}

const DECIMAL_SYNTAX = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/**
 * A plain decimal number such as '10', '2.5' or '.5' (signs allowed so a negative value can be
 * reported as negative rather than as garbage). Exponents, hex, 'Infinity' and whitespace are
 * rejected: Number() alone would accept all of them.
 */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL_SYNTAX.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  return value === 0 ? 0 : value;
}
