import { expect, it } from 'vitest';
import { EOS, HUFFMAN_CODE } from '../../../../cni-shim/h2/hpack/huffman-code.ts';

/**
 * RFC 7541 Appendix B's code is canonical (codes of one length are consecutive, in symbol order,
 * and follow on from the shorter ones) and complete (no bit string is left over): a row typed
 * wrong breaks one or both.
 */

it('has a row for each octet and EOS, EOS being 30 one-bits', () => {
  expect(HUFFMAN_CODE).toHaveLength(257);
  expect(HUFFMAN_CODE[EOS]).toEqual([2 ** 30 - 1, 30]);
});

it('is complete: the code lengths fill the Kraft sum exactly', () => {
  expect(HUFFMAN_CODE.reduce((sum, [, bits]) => sum + 2 ** -bits, 0)).toBe(1);
});

it('is canonical: each code follows from the previous one in (length, symbol) order', () => {
  const order = HUFFMAN_CODE.map(([code, bits], symbol) => ({ code, bits, symbol })).sort(
    (a, b) => a.bits - b.bits || a.symbol - b.symbol,
  );
  let expected = 0;
  order.forEach((row, i) => {
    if (i > 0) expected = (expected + 1) * 2 ** (row.bits - order[i - 1]!.bits);
    expect(row.code, `symbol ${row.symbol}`).toBe(expected);
  });
});
