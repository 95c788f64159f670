import { describe, expect, it } from 'vitest';
import { Ec2Error } from '../../../src/sim/ec2/errors.ts';
import { applyFilters, type FilterFields } from '../../../src/sim/ec2/filters.ts';

interface Thing {
  id: string;
  colour: string;
  tags: Map<string, string>;
}

const things: Thing[] = [
  { id: 'a', colour: 'red', tags: new Map([['team', 'net']]) },
  { id: 'b', colour: 'green', tags: new Map([['team', 'db']]) },
  { id: 'c', colour: 'reddish', tags: new Map() },
];
const fields: FilterFields<Thing> = { id: (t) => [t.id], colour: (t) => [t.colour] };
const ids = (filters: { name: string; values: string[] }[]) =>
  applyFilters(things, filters, fields, (t) => t.tags).map((t) => t.id);

describe('EC2 filters', () => {
  it('ORs the values of one filter and ANDs filters', () => {
    expect(ids([{ name: 'colour', values: ['red', 'green'] }])).toEqual(['a', 'b']);
    expect(
      ids([
        { name: 'colour', values: ['red', 'green'] },
        { name: 'id', values: ['b', 'c'] },
      ]),
    ).toEqual(['b']);
  });

  it("supports '*' and '?' wildcards and nothing else as special", () => {
    expect(ids([{ name: 'colour', values: ['red*'] }])).toEqual(['a', 'c']);
    expect(ids([{ name: 'colour', values: ['gr??n'] }])).toEqual(['b']);
    expect(ids([{ name: 'colour', values: ['re.'] }])).toEqual([]);
  });

  it('understands tag:<key>, tag-key and tag-value', () => {
    expect(ids([{ name: 'tag:team', values: ['net'] }])).toEqual(['a']);
    expect(ids([{ name: 'tag-key', values: ['team'] }])).toEqual(['a', 'b']);
    expect(ids([{ name: 'tag-value', values: ['db'] }])).toEqual(['b']);
  });

  it('rejects an unknown filter name even with nothing to filter', () => {
    expect(() => applyFilters([], [{ name: 'size', values: ['1'] }], fields)).toThrow(Ec2Error);
    expect(() => applyFilters(things, [{ name: 'tag:x', values: ['1'] }], fields)).toThrow(
      "The filter 'tag:x' is invalid",
    );
  });
});
