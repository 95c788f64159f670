import { describe, expect, it } from 'vitest';
import { DynamicTable } from '../../../../cni-shim/h2/hpack/dynamic-table.ts';
import { HeaderBlockDecoder } from '../../../../cni-shim/h2/hpack/header-block-decoder.ts';
import { HeaderBlockEncoder } from '../../../../cni-shim/h2/hpack/header-block-encoder.ts';
import { HUFFMAN_CODE } from '../../../../cni-shim/h2/hpack/huffman-code.ts';
import { decodeHuffman } from '../../../../cni-shim/h2/hpack/huffman-decoder.ts';
import { readInteger, writeInteger } from '../../../../cni-shim/h2/hpack/primitives.ts';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const integer = (hex: string, prefixBits: number) =>
  readInteger({ bytes: bytes(hex), offset: 0 }, prefixBits);

describe('integers (RFC 7541 §5.1, C.1)', () => {
  it.each([
    ['C.1.1: 10 in a 5-bit prefix', 'ea', 5, 10],
    ['C.1.2: 1337 in a 5-bit prefix', '1f9a0a', 5, 1337],
    ['C.1.3: 42 at an octet boundary', '2a', 8, 42],
    ['2^N - 1 fills the prefix and adds a zero octet', '1f00', 5, 31],
    ['2^N - 2 fits the prefix', '1e', 5, 30],
    ['the largest accepted, 2^31 - 1', '7f80ffffff07', 7, 2 ** 31 - 1],
    ['non-minimal continuation octets up to five', 'ff8080808000', 8, 255],
  ])('%s', (_name, hex, prefixBits, value) => {
    expect(integer(hex, prefixBits)).toBe(value);
  });

  it.each([
    ['2^31', '7f81ffffff07', 7, 'HPACK: an integer larger than 2147483647'],
    [
      'six continuation octets',
      'ff808080808000',
      8,
      'HPACK: an integer encoded in more than 5 continuation octets',
    ],
    [
      'a continuation flag on the last octet',
      '1fff',
      5,
      'HPACK: an integer runs past the end of the header block',
    ],
    ['nothing at all', '', 5, 'HPACK: an integer runs past the end of the header block'],
  ])('refused: %s', (_name, hex, prefixBits, message) => {
    expect(() => integer(hex, prefixBits)).toThrow(message);
  });

  it('writes what it reads, across prefix sizes and magnitudes', () => {
    for (const prefixBits of [4, 5, 6, 7, 8]) {
      for (const value of [0, 1, 14, 15, 16, 127, 128, 1337, 65_535, 2 ** 31 - 1]) {
        const out: number[] = [];
        writeInteger(out, value, prefixBits, 0);
        expect(readInteger({ bytes: Uint8Array.from(out), offset: 0 }, prefixBits)).toBe(value);
      }
    }
  });
});

describe('Huffman decoding (RFC 7541 §5.2)', () => {
  it.each([
    [
      'padding of zeros',
      '18',
      'HPACK: Huffman padding that is not the high bits of EOS (all ones)',
    ],
    ['eight bits of padding', '1fff', 'HPACK: Huffman padding of 11 bits (at most 7 are allowed)'],
    ['the EOS symbol', 'fffffffc', 'HPACK: the EOS symbol inside a Huffman-coded string'],
  ])('refuses %s', (_name, hex, message) => {
    const input = bytes(hex);
    expect(() => decodeHuffman(input, 0, input.length)).toThrow(message);
  });

  it('decodes every octet value, coded with the table bit by bit here', () => {
    const ascending = Array.from({ length: 256 }, (_, i) => i);
    const octets = [...ascending, ...[...ascending].reverse()];
    let bits = '';
    for (const octet of octets) {
      const [code, length] = HUFFMAN_CODE[octet]!;
      bits += code.toString(2).padStart(length, '0');
    }
    bits += '1'.repeat((8 - (bits.length % 8)) % 8);
    const coded = Uint8Array.from(bits.match(/.{8}/g)!, (byte) => Number.parseInt(byte, 2));
    expect(decodeHuffman(coded, 0, coded.length)).toBe(String.fromCharCode(...octets));
    expect(decodeHuffman(new Uint8Array(0), 0, 0)).toBe('');
  });
});

describe('header blocks', () => {
  it('a size update after a field is refused', () => {
    expect(() => new HeaderBlockDecoder(4096).decode(bytes('82 20'))).toThrow(
      'HPACK: a dynamic table size update after a header field',
    );
  });

  it('size updates at the start of a block shrink the table and may grow it back to the limit', () => {
    const decoder = new HeaderBlockDecoder(4096);
    decoder.decode(bytes('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
    expect(decoder.dynamicEntries).toBe(1);
    expect(decoder.decode(bytes('20 3fe11f 82'))).toEqual([[':method', 'GET']]);
    expect(decoder.dynamicEntries).toBe(0);
  });

  it('a literal with an indexed name', () => {
    expect(
      new HeaderBlockDecoder(4096).decode(bytes('5f10 6170 706c 6963 6174 696f 6e2f 6772 7063')),
    ).toEqual([['content-type', 'application/grpc']]);
  });
});

describe('the dynamic table', () => {
  it('an entry larger than the table empties it and is not added', () => {
    const table = new DynamicTable(64);
    table.add(['a', 'b']); // 34
    expect(table.length).toBe(1);
    table.add(['name', 'x'.repeat(40)]); // 76 > 64
    expect([table.length, table.octets]).toEqual([0, 0]);
  });

  it('adding evicts the oldest first; index 1 is the newest', () => {
    const table = new DynamicTable(100);
    table.add(['a', '1']);
    table.add(['b', '2']);
    table.add(['c', '3']); // 3 × 34 > 100: 'a' goes
    expect([table.get(1), table.get(2), table.get(3)]).toEqual([['c', '3'], ['b', '2'], undefined]);
  });
});

describe('the encoder', () => {
  it('writes literals without indexing and without Huffman coding', () => {
    expect(Buffer.from(new HeaderBlockEncoder().encode([[':path', '/a']])).toString('hex')).toBe(
      '0005' + Buffer.from(':path').toString('hex') + '02' + Buffer.from('/a').toString('hex'),
    );
  });

  it('what it writes decodes to the same fields, long values included', () => {
    const fields: [string, string][] = [
      [':method', 'POST'],
      [':path', '/rpc.CNIBackend/AddNetwork'],
      ['x-long', 'v'.repeat(1000)],
    ];
    expect(new HeaderBlockDecoder(4096).decode(new HeaderBlockEncoder().encode(fields))).toEqual(
      fields,
    );
  });

  it('after the server lowers its table size, the next block (only) begins with a size update', () => {
    const encoder = new HeaderBlockEncoder();
    encoder.setPeerLimit(8192); // raising asks nothing
    expect(encoder.encode([])).toEqual(new Uint8Array(0));
    encoder.setPeerLimit(100);
    expect([...encoder.encode([])]).toEqual([0x3f, 100 - 31]);
    expect([...encoder.encode([])]).toEqual([]);
    encoder.setPeerLimit(0);
    expect([...encoder.encode([])]).toEqual([0x20]);
  });
});
