import { describe, expect, it } from 'vitest';
import { Ec2Error } from '../../../src/sim/ec2/errors.ts';
import { QueryParams } from '../../../src/sim/ec2/query-params.ts';

function params(body: string): QueryParams {
  return QueryParams.fromSearchParams(new URLSearchParams(body));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof Ec2Error ? error.code : 'not-ec2';
  }
  return undefined;
}

describe('QueryParams', () => {
  it('reads lists in index order, whatever order they came in', () => {
    const p = params(
      'SecurityGroupId.2=sg-b&SecurityGroupId.10=sg-c&SecurityGroupId.1=sg-a&SecurityGroupIdX=no',
    );
    expect(p.list('SecurityGroupId')).toEqual(['sg-a', 'sg-b', 'sg-c']);
    expect(p.list('Missing')).toEqual([]);
  });

  it('groups lists of structures, nested lists included', () => {
    const p = params(
      'Filter.1.Name=tag-key&Filter.1.Value.1=a&Filter.1.Value.2=b&Filter.2.Name=status&Filter.2.Value.1=available',
    );
    const filters = p.structList('Filter');
    expect(filters.map((f) => [f.string('Name'), f.list('Value')])).toEqual([
      ['tag-key', ['a', 'b']],
      ['status', ['available']],
    ]);
    const spec = params(
      'TagSpecification.1.ResourceType=network-interface&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v',
    );
    const [first] = spec.structList('TagSpecification');
    expect(first?.structList('Tag').map((t) => [t.string('Key'), t.string('Value')])).toEqual([
      ['k', 'v'],
    ]);
  });

  it('reads nested structures and decoded values', () => {
    const p = params(
      'Attachment.AttachmentId=eni-attach-1&Attachment.DeleteOnTermination=true&Description.Value=a%20b%26c',
    );
    expect(p.struct('Attachment')?.string('AttachmentId')).toBe('eni-attach-1');
    expect(p.struct('Attachment')?.boolean('DeleteOnTermination')).toBe(true);
    expect(p.struct('Description')?.string('Value')).toBe('a b&c');
    expect(p.struct('Nothing')).toBeUndefined();
    expect(p.has('Attachment')).toBe(true);
    expect(p.has('Attach')).toBe(false);
  });

  it('answers EC2 errors for missing and malformed values', () => {
    const p = params('Count=abc&Flag=maybe&Empty=');
    expect(codeOf(() => p.integer('Count'))).toBe('InvalidParameterValue');
    expect(codeOf(() => p.boolean('Flag'))).toBe('InvalidParameterValue');
    expect(codeOf(() => p.requiredString('Empty'))).toBe('MissingParameter');
    expect(codeOf(() => p.requiredString('Absent'))).toBe('MissingParameter');
    expect(params('N=-3').integer('N')).toBe(-3);
    expect(params('B=FALSE').boolean('B')).toBe(false);
  });
});
