import { describe, expect, it } from 'vitest';
import { parseRateLimits } from '../../../src/config/parse-rate-limits.ts';

describe('parseRateLimits (EC2_API_RATE_LIMITS)', () => {
  it('empty string → {} silently', () => {
    expect(parseRateLimits('')).toEqual({ value: {}, warnings: [] });
  });

  it('takes known buckets with capacity > 0 and refill ≥ 0 (fractions and 0 refill included)', () => {
    expect(
      parseRateLimits(
        '{"CreateTags":{"capacity":50,"refillPerSecond":2.5},"NonMutating":{"capacity":0.5,"refillPerSecond":0},"Mutating":{"refillPerSecond":1,"capacity":10}}',
      ),
    ).toEqual({
      value: {
        CreateTags: { capacity: 50, refillPerSecond: 2.5 },
        NonMutating: { capacity: 0.5, refillPerSecond: 0 },
        Mutating: { capacity: 10, refillPerSecond: 1 },
      },
      warnings: [],
    });
  });

  it.each(['nope', '{', '[]', '[{"capacity":1}]', '7', 'null', '"CreateTags"'])(
    'not a JSON object %j → {} with a warning',
    (text) => {
      const { value, warnings } = parseRateLimits(text);
      expect(value).toEqual({});
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.variable).toBe('EC2_API_RATE_LIMITS');
      expect(warnings[0]!.value).toBe(text);
      expect(warnings[0]!.message).toContain(`EC2_API_RATE_LIMITS=${JSON.stringify(text)}`);
    },
  );

  it.each([
    'Bogus',
    'createtags',
    'DescribeNetworkInterfaces',
    'constructor',
    'toString',
    '__proto__',
  ])('unknown bucket %j is ignored with a warning; the others still apply', (name) => {
    const { value, warnings } = parseRateLimits(
      `{${JSON.stringify(name)}:{"capacity":1,"refillPerSecond":1},"DeleteTags":{"capacity":3,"refillPerSecond":1}}`,
    );
    expect(value).toEqual({ DeleteTags: { capacity: 3, refillPerSecond: 1 } });
    expect(Object.keys(value)).toEqual(['DeleteTags']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.value).toBe(name);
    expect(warnings[0]!.message).toContain(`unknown bucket ${JSON.stringify(name)}; ignored`);
  });

  it.each([
    '{"capacity":0,"refillPerSecond":1}',
    '{"capacity":-1,"refillPerSecond":1}',
    '{"capacity":1,"refillPerSecond":-0.1}',
    '{"capacity":"10","refillPerSecond":1}',
    '{"capacity":1,"refillPerSecond":"1"}',
    '{"capacity":1}',
    '{"refillPerSecond":1}',
    '{"capacity":1,"refillPerSecond":1,"burst":5}',
    '{"capacity":1e999,"refillPerSecond":1}',
    '[1,1]',
    'null',
    '5',
  ])('bad spec %s is ignored with a warning; the others still apply', (spec) => {
    const { value, warnings } = parseRateLimits(
      `{"AssignPrivateIpAddresses":${spec},"CreateTags":{"capacity":2,"refillPerSecond":1}}`,
    );
    expect(value).toEqual({ CreateTags: { capacity: 2, refillPerSecond: 1 } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.variable).toBe('EC2_API_RATE_LIMITS');
    expect(warnings[0]!.message).toContain('bucket "AssignPrivateIpAddresses" has spec');
  });
});
