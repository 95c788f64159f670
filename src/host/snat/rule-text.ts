/**
 * Reading and writing single iptables rule texts the way iptables-save prints them: words
 * separated by spaces, values with anything but [A-Za-z0-9_-] in double quotes with `"`, `\`
 * and `'` escaped by a backslash.
 */

const PLAIN = /^[A-Za-z0-9_-]+$/;

export function quoteIptablesWord(value: string): string {
  if (PLAIN.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Splits a rule text into words, removing quotes and escapes. */
export function splitRuleWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) {
        current += text[++i];
      } else if (c === '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** The value following `option` in a rule's words (e.g. '-j', '--comment'), if present. */
export function ruleOption(words: readonly string[], ...options: string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++) {
    if (options.includes(words[i]!)) return words[i + 1];
  }
  return undefined;
}
