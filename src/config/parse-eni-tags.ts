import { quote } from './quote.ts';
import type { ConfigWarning } from './types.ts';

const VARIABLE = 'ADDITIONAL_ENI_TAGS';
/** Tag keys the daemon manages itself; a user tag containing this could hijack ENI ownership. */
const RESERVED_KEY_PART = 'k8s.amazonaws.com';

/**
 * ADDITIONAL_ENI_TAGS: a JSON object of string values. Like the reference's unmarshal into a
 * map of strings, one bad value spoils the whole object; keys containing 'k8s.amazonaws.com'
 * are dropped one by one.
 */
export function parseEniTags(text: string): {
  value: Record<string, string>;
  warnings: ConfigWarning[];
} {
  if (text === '') return { value: {}, warnings: [] };
  const reject = (why: string) => ({
    value: {},
    warnings: [
      {
        variable: VARIABLE,
        value: text,
        message: `${VARIABLE}=${quote(text)} ${why}; no additional tags are applied (expected a JSON object such as {"team":"a"})`,
      },
    ],
  });

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reject('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject('is not a JSON object');
  }
  const entries = Object.entries(parsed);
  const nonString = entries.find(([, v]) => typeof v !== 'string');
  if (nonString) return reject(`has a non-string value for key ${quote(nonString[0])}`);

  const warnings: ConfigWarning[] = [];
  const kept: [string, string][] = [];
  for (const [key, v] of entries as [string, string][]) {
    if (key.includes(RESERVED_KEY_PART)) {
      warnings.push({
        variable: VARIABLE,
        value: key,
        message: `${VARIABLE}: tag key ${quote(key)} contains the reserved ${quote(RESERVED_KEY_PART)}; dropped`,
      });
    } else {
      kept.push([key, v]);
    }
  }
  // fromEntries defines own properties, so a '__proto__' key stays a tag instead of a prototype.
  return { value: Object.fromEntries(kept), warnings };
}
