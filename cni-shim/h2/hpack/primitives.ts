import { HpackError } from './hpack-error.ts';
import { decodeHuffman } from './huffman-decoder.ts';

/**
 * HPACK's two primitive types (RFC 7541 §5): integers with an N-bit prefix and string literals
 * (a Huffman flag, a length, the octets), read from and written to a header block.
 */

/** Where a decoder is in a header block. */
export interface BlockCursor {
  readonly bytes: Uint8Array;
  offset: number;
}

/**
 * The largest integer accepted. HPACK leaves the limit to the implementation (§5.1); nothing a
 * header block holds — an index, a length, a table size — comes near it.
 */
export const MAX_INTEGER = 0x7fffffff;
/** Continuation octets that can carry MAX_INTEGER; more is an encoding no encoder produces. */
const MAX_CONTINUATION_OCTETS = 5;

/** Reads an integer whose prefix is the low `prefixBits` bits of the current octet. */
export function readInteger(cursor: BlockCursor, prefixBits: number): number {
  const { bytes } = cursor;
  const mask = (1 << prefixBits) - 1;
  if (cursor.offset >= bytes.length)
    throw new HpackError('an integer runs past the end of the header block');
  let value = bytes[cursor.offset++]! & mask;
  if (value < mask) return value;
  for (let octets = 0; ; octets++) {
    if (octets === MAX_CONTINUATION_OCTETS) {
      throw new HpackError(
        `an integer encoded in more than ${MAX_CONTINUATION_OCTETS} continuation octets`,
      );
    }
    if (cursor.offset >= bytes.length)
      throw new HpackError('an integer runs past the end of the header block');
    const octet = bytes[cursor.offset++]!;
    value += (octet & 0x7f) * 2 ** (7 * octets);
    if (value > MAX_INTEGER) throw new HpackError(`an integer larger than ${MAX_INTEGER}`);
    if ((octet & 0x80) === 0) return value;
  }
}

/** Reads a string literal: its first octet holds the Huffman flag and a 7-bit length prefix. */
export function readString(cursor: BlockCursor): string {
  const { bytes } = cursor;
  const huffman = (bytes[cursor.offset]! & 0x80) !== 0;
  const length = readInteger(cursor, 7);
  const left = bytes.length - cursor.offset;
  if (length > left) {
    throw new HpackError(
      `a string of ${length} octets runs past the end of the header block (${left} left)`,
    );
  }
  const start = cursor.offset;
  cursor.offset += length;
  return huffman ? decodeHuffman(bytes, start, cursor.offset) : latin1(bytes, start, cursor.offset);
}

/** Octets as a string of the same length, one character per octet. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** Appends `value` with an N-bit prefix; `flags` fills the prefix octet's high bits. */
export function writeInteger(
  out: number[],
  value: number,
  prefixBits: number,
  flags: number,
): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out.push(flags | value);
    return;
  }
  out.push(flags | mask);
  let rest = value - mask;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Appends a string literal without Huffman coding (always valid, §5.2). */
export function writeString(out: number[], text: string): void {
  writeInteger(out, text.length, 7, 0);
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff);
}
