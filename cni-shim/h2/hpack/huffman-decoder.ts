import { HpackError } from './hpack-error.ts';
import { EOS, HUFFMAN_CODE } from './huffman-code.ts';

/**
 * Decodes a Huffman-coded string literal (RFC 7541 §5.2) bit by bit: each prefix of bits read so
 * far is looked up by (length, value) until it names a symbol. At the end at most 7 bits may be
 * left, and they must be the high bits of EOS (all ones); EOS itself must never appear.
 */

/** (bits, code) → symbol, built when the first Huffman-coded string arrives. */
let symbols: Map<number, number> | undefined;

const key = (bits: number, code: number) => bits * 2 ** 30 + code;

function symbolTable(): Map<number, number> {
  if (!symbols) {
    const table = new Map<number, number>();
    HUFFMAN_CODE.forEach(([code, bits], symbol) => {
      table.set(key(bits, code), symbol);
    });
    symbols = table;
  }
  return symbols;
}

export function decodeHuffman(bytes: Uint8Array, start: number, end: number): string {
  const table = symbolTable();
  let text = '';
  let code = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const octet = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((octet >> bit) & 1);
      bits++;
      const symbol = table.get(key(bits, code));
      // The code is complete (every string of 30 bits starts with a code), so this ends.
      if (symbol === undefined) continue;
      if (symbol === EOS) throw new HpackError('the EOS symbol inside a Huffman-coded string');
      text += String.fromCharCode(symbol);
      code = 0;
      bits = 0;
    }
  }
  if (bits > 7) throw new HpackError(`Huffman padding of ${bits} bits (at most 7 are allowed)`);
  if (code !== 2 ** bits - 1) {
    throw new HpackError('Huffman padding that is not the high bits of EOS (all ones)');
  }
  return text;
}
