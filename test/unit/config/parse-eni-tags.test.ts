import { describe, expect, it } from 'vitest';
import { parseEniTags } from '../../../src/config/parse-eni-tags.ts';

describe('parseEniTags (ADDITIONAL_ENI_TAGS)', () => {
  it('empty string → {} silently (the reference default)', () => {
    expect(parseEniTags('')).toEqual({ value: {}, warnings: [] });
  });

  it('an object of strings is taken as is', () => {
    expect(parseEniTags('{}')).toEqual({ value: {}, warnings: [] });
    expect(parseEniTags('{"team":"net","env":"prod","empty":""}')).toEqual({
      value: { team: 'net', env: 'prod', empty: '' },
      warnings: [],
    });
  });

  it.each([
    ['not json', 'is not valid JSON'],
    ['{"team":', 'is not valid JSON'],
    ['[]', 'is not a JSON object'],
    ['["a"]', 'is not a JSON object'],
    ['"team"', 'is not a JSON object'],
    ['42', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
    ['{"team":1}', 'has a non-string value for key "team"'],
    ['{"team":"net","owner":null}', 'has a non-string value for key "owner"'],
    ['{"team":{"a":"b"}}', 'has a non-string value for key "team"'],
    ['{"on":true}', 'has a non-string value for key "on"'],
  ])('%j → {} with a warning (%s)', (text, why) => {
    const { value, warnings } = parseEniTags(text);
    expect(value).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.variable).toBe('ADDITIONAL_ENI_TAGS');
    expect(warnings[0]!.value).toBe(text);
    expect(warnings[0]!.message).toBe(
      `ADDITIONAL_ENI_TAGS=${JSON.stringify(text)} ${why}; no additional tags are applied (expected a JSON object such as {"team":"a"})`,
    );
  });

  it('drops every key CONTAINING k8s.amazonaws.com, one warning each, keeps the rest', () => {
    const { value, warnings } = parseEniTags(
      '{"team":"net","k8s.amazonaws.com/x":"1","node.k8s.amazonaws.com/instance_id":"i-1","xk8s.amazonaws.comx":"2"}',
    );
    expect(value).toEqual({ team: 'net' });
    expect(warnings.map((w) => w.value)).toEqual([
      'k8s.amazonaws.com/x',
      'node.k8s.amazonaws.com/instance_id',
      'xk8s.amazonaws.comx',
    ]);
    expect(warnings[0]!.message).toBe(
      'ADDITIONAL_ENI_TAGS: tag key "k8s.amazonaws.com/x" contains the reserved "k8s.amazonaws.com"; dropped',
    );
  });

  it('the reserved match is case-sensitive, like Go strings.Contains', () => {
    expect(parseEniTags('{"K8S.AMAZONAWS.COM/x":"1"}')).toEqual({
      value: { 'K8S.AMAZONAWS.COM/x': '1' },
      warnings: [],
    });
  });

  it("a '__proto__' key stays an ordinary tag", () => {
    const { value } = parseEniTags('{"__proto__":"x"}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});
