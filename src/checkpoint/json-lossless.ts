import { encodeGoString } from './go-json.ts';

/**
 * A JSON reader that loses nothing: numbers keep their source text (checkpoint timestamps are
 * int64 nanoseconds, beyond a double's exact range) and objects keep every member in order,
 * duplicates included, so that the Go decoder's rules can be applied on top and an entry can be
 * copied into a side file exactly as it was. Strict RFC 8259, like Go's json.Unmarshal.
 */

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export class JsonObject {
  constructor(readonly members: readonly (readonly [string, JsonValue])[]) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonObject | JsonValue[];

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonLossless(text: string): JsonValue {
  let at = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, at);
  };

  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++;
      else return;
    }
  };

  const parseString = (): string => {
    const start = at;
    at++; // opening quote
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c === 0x5c) at += 2;
      else if (c < 0x20) fail('control character in string');
      else at++;
    }
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      at = start;
      return fail('invalid string escape');
    }
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const c = text[at];
    if (c === '{') {
      at++;
      const members: [string, JsonValue][] = [];
      skipSpace();
      if (text[at] === '}') {
        at++;
        return new JsonObject(members);
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail('expected object key');
        const key = parseString();
        skipSpace();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        members.push([key, parseValue(depth + 1)]);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return new JsonObject(members);
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const items: JsonValue[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return items;
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return items;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', at)) {
      at += 4;
      return true;
    }
    if (text.startsWith('false', at)) {
      at += 5;
      return false;
    }
    if (text.startsWith('null', at)) {
      at += 4;
      return null;
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m) {
      at += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail(at >= text.length ? 'unexpected end of input' : 'unexpected character');
  };

  const value = parseValue(0);
  skipSpace();
  if (at !== text.length) fail('data after the top-level value');
  return value;
}

/** Compact encoding of a lossless value: members in order, numbers as written, Go string escaping. */
export function encodeJsonLossless(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return encodeGoString(value);
  if (value instanceof JsonNumber) return value.raw;
  if (Array.isArray(value)) return `[${value.map(encodeJsonLossless).join(',')}]`;
  return `{${value.members.map(([k, v]) => `${encodeGoString(k)}:${encodeJsonLossless(v)}`).join(',')}}`;
}
