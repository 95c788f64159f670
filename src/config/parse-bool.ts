/**
 * Go's strconv.ParseBool, which every boolean variable of the reference goes through. Anything
 * outside its fixed spellings (" true", "yes", "on", "") is a parse error, not false.
 */

const TRUE_SPELLINGS: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_SPELLINGS: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The boolean Go's ParseBool reads from `text`, or undefined where Go returns an error. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_SPELLINGS.has(text)) return true;
  if (FALSE_SPELLINGS.has(text)) return false;
  return undefined;
}
