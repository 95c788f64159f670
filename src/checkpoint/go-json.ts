/**
 * String encoding exactly as Go's encoding/json writes it: besides what JSON.stringify escapes,
 * Go escapes <, > and & (HTML-safe by default), U+2028 and U+2029, and writes `\ufffd` for invalid
 * UTF-8 (a lone surrogate here, which JSON.stringify would escape as itself). Hex digits are
 * lowercase in both. Used wherever our bytes must equal the reference's.
 */

// Escape sequences are matched as whole units so that an escaped backslash followed by "u…" is
// never mistaken for a \u escape.
const TOKENS = /\\(?:u[0-9a-f]{4}|.)|[<>&\u2028\u2029]/g;

export function encodeGoString(value: string): string {
  return JSON.stringify(value).replace(TOKENS, (token) => {
    if (token.length === 1) return `\\u${token.charCodeAt(0).toString(16).padStart(4, '0')}`;
    if (token.length === 6 && token[2] === 'd' && '89abcdef'.includes(token[3]!)) return '\\ufffd';
    return token;
  });
}
