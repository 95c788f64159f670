import { describe, expect, it } from 'vitest';
import { parseGoBool } from '../../../src/config/parse-bool.ts';

describe('parseGoBool (Go strconv.ParseBool)', () => {
  it.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('%j is true', (text) => {
    expect(parseGoBool(text)).toBe(true);
  });

  it.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('%j is false', (text) => {
    expect(parseGoBool(text)).toBe(false);
  });

  it.each([
    '',
    ' true',
    'true ',
    'tRue',
    'TRUe',
    'FaLse',
    'yes',
    'no',
    'on',
    'off',
    'y',
    '2',
    '-1',
    '01',
  ])('%j is an error', (text) => {
    expect(parseGoBool(text)).toBeUndefined();
  });
});
