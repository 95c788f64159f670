import { describe, expect, it } from 'vitest';
import { NO_STRING_ID, StringTable } from '../../../../src/ipam/string-table.ts';

describe('StringTable', () => {
  it('gives equal strings one id and different strings different ids', () => {
    const table = new StringTable();
    const a = table.idOf('aws-cni');
    // a string built at run time, not the same object as the literal
    const again = table.idOf(['aws', 'cni'].join('-'));
    const b = table.idOf('eth0');
    expect(a).not.toBe(NO_STRING_ID);
    expect(again).toBe(a);
    expect(b).not.toBe(a);
    expect(table.text(a)).toBe('aws-cni');
    expect(table.text(b)).toBe('eth0');
    expect(table.size).toBe(2);
  });

  it('stops adding at its capacity and still knows what it holds', () => {
    const table = new StringTable(3);
    const ids = ['a', 'b', 'c'].map((t) => table.idOf(t));
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain(NO_STRING_ID);
    expect(table.idOf('d')).toBe(NO_STRING_ID);
    expect(table.idOf('b')).toBe(ids[1]);
    expect(table.size).toBe(3);
  });

  it('refuses a capacity whose ids would not fit 16 bits', () => {
    expect(() => new StringTable(0x10000)).toThrow(RangeError);
    expect(new StringTable(0xffff).idOf('x')).toBe(1);
  });
});
