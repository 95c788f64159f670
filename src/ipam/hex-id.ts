/**
 * Container IDs as the runtimes make them (containerd, CRI-O, Docker: 64 lowercase hex digits)
 * stored as eight 32-bit words. The datastore keeps a pod's key in its slot row this way instead
 * of holding the request's string: comparing eight integers in a row it reads anyway replaces a
 * pointer chase to a string elsewhere in the heap, and nothing from the request outlives it.
 * Packing is exact and reversible; an ID of any other shape is not packed and stays a string.
 */

export const HEX_ID_WORDS = 8;
const HEX_ID_LENGTH = HEX_ID_WORDS * 8;

/** Digit value per character code below 128; -1 for anything that is not 0-9 or a-f. */
const DIGIT = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) DIGIT[48 + d] = d;
for (let d = 0; d < 6; d++) DIGIT[97 + d] = 10 + d;

/**
 * Writes the words of a 64-lowercase-hex-digit ID into `out[at…at + 7]` and returns true; returns
 * false for any other string (the words written are then meaningless).
 */
export function packHexId(text: string, out: Int32Array, at: number): boolean {
  if (text.length !== HEX_ID_LENGTH) return false;
  // Any non-digit makes `invalid` negative: one test at the end instead of one per character.
  let invalid = 0;
  for (let w = 0; w < HEX_ID_WORDS; w++) {
    let word = 0;
    for (let i = w * 8, end = i + 8; i < end; i++) {
      const code = text.charCodeAt(i);
      const digit = code < 128 ? DIGIT[code]! : -1;
      invalid |= digit;
      word = (word << 4) | (digit & 15);
    }
    out[at + w] = word;
  }
  return invalid >= 0;
}

/** The ID whose words are at `words[at…at + 7]`. */
export function unpackHexId(words: Int32Array, at: number): string {
  let text = '';
  for (let w = 0; w < HEX_ID_WORDS; w++) {
    text += (words[at + w]! >>> 0).toString(16).padStart(8, '0');
  }
  return text;
}
