import { describe, expect, it } from 'vitest';
import { parseDecimal, parseGoAtoi, parseGoIntBase0 } from '../../../src/config/parse-number.ts';

describe('parseGoAtoi (Go strconv.Atoi)', () => {
  it.each([
    ['5', 5],
    ['+5', 5],
    ['-5', -5],
    ['0', 0],
    ['007', 7],
    ['-007', -7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', -Number.MAX_SAFE_INTEGER],
  ])('%j → %d', (text, expected) => {
    expect(parseGoAtoi(text)).toBe(expected);
  });

  it("'-0' is 0, not -0", () => {
    expect(Object.is(parseGoAtoi('-0'), 0)).toBe(true);
    expect(Object.is(parseGoAtoi('+0'), 0)).toBe(true);
  });

  it.each([
    '',
    '+',
    '-',
    ' 5',
    '5 ',
    '\t5',
    '5.0',
    '5.',
    '1e3',
    '0x10',
    '1_000',
    '+-5',
    '--5',
    'five',
    '٣', // Arabic-Indic digit three: not an ASCII digit
    'Infinity',
    '9007199254740992', // beyond MAX_SAFE_INTEGER: would silently round
    '99999999999999999999', // beyond int64 too
    '-9007199254740992',
  ])('%j is an error', (text) => {
    expect(parseGoAtoi(text)).toBeUndefined();
  });
});

describe('parseGoIntBase0 (Go strconv.ParseInt(s, 0, 64))', () => {
  it.each([
    ['0x80', 128n],
    ['0X80', 128n],
    ['0xff', 255n],
    ['0xFF', 255n],
    ['0o200', 128n],
    ['0O200', 128n],
    ['0200', 128n],
    ['0b10000000', 128n],
    ['0B10000000', 128n],
    ['128', 128n],
    ['+128', 128n],
    ['+0x80', 128n],
    ['-0x80', -128n],
    ['-1', -1n],
    ['0', 0n],
    ['-0', 0n],
    ['00', 0n],
    ['4294967295', 4294967295n],
    ['4294967296', 4294967296n],
    ['0xc000', 49152n],
    // Go allows an underscore between the base prefix and a digit, and between digits.
    ['0x_80', 128n],
    ['0x8_0', 128n],
    ['0b_1000_0000', 128n],
    ['1_000', 1000n],
    ['0_200', 128n],
    ['0x7fffffffffffffff', 9223372036854775807n],
    ['-0x8000000000000000', -9223372036854775808n],
    ['9223372036854775807', 9223372036854775807n],
  ])('%j → %s', (text, expected) => {
    expect(parseGoIntBase0(text)).toBe(expected);
  });

  it.each([
    '',
    '+',
    '-',
    '0x', // too short for a prefix: read as octal, and 'x' is not an octal digit
    '0b',
    '0o',
    '0x_',
    '0xg',
    '0b2',
    '0o8',
    '08',
    '09',
    '_1',
    '1_',
    '1__0',
    '0x8__0',
    '0x80_',
    '--1',
    '+-1',
    ' 128',
    '128 ',
    '12a',
    '1.0',
    '1e3',
    '0x8000000000000000', // int64 overflow
    '9223372036854775808',
    '-9223372036854775809',
  ])('%j is an error', (text) => {
    expect(parseGoIntBase0(text)).toBeUndefined();
  });
});

describe('parseDecimal (ADD_WAIT_SECONDS)', () => {
  it.each([
    ['10', 10],
    ['0', 0],
    ['2.5', 2.5],
    ['.5', 0.5],
    ['5.', 5],
    ['007', 7],
    ['+3', 3],
    ['-1', -1],
    ['-0.5', -0.5],
  ])('%j → %d', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
  });

  it("'-0' is 0, not -0", () => {
    expect(Object.is(parseDecimal('-0'), 0)).toBe(true);
  });

  it.each(['', '.', '+', '1e3', '0x10', ' 1', '1 ', 'Infinity', 'NaN', '1.2.3', '1,5', '1_0'])(
    '%j is an error',
    (text) => {
      expect(parseDecimal(text)).toBeUndefined();
    },
  );
});
