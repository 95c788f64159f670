import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  itemList,
  leaf,
  node,
  valueList,
  xmlDocument,
} from '../../../src/sim/ec2/xml.ts';

describe('XML writer', () => {
  it('escapes the five XML specials and replaces characters XML cannot carry', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('bell\u0007tab\tnl\n')).toBe('bell\ufffdtab\tnl\n');
  });

  it('omits absent leaves and writes EC2 lists with <item>', () => {
    expect(leaf('a', undefined).xml).toBe('');
    expect(leaf('n', 0).xml).toBe('<n>0</n>');
    expect(leaf('b', false).xml).toBe('<b>false</b>');
    expect(node('x', [leaf('y', 'v<')]).xml).toBe('<x><y>v&lt;</y></x>');
    expect(itemList('set', [[leaf('k', '1')], [leaf('k', '2')]]).xml).toBe(
      '<set><item><k>1</k></item><item><k>2</k></item></set>',
    );
    expect(itemList('set', []).xml).toBe('<set/>');
    expect(valueList('v', ['a&b']).xml).toBe('<v><item>a&amp;b</item></v>');
  });

  it('writes a namespaced document with the declaration', () => {
    expect(
      xmlDocument('R', [leaf('requestId', '1')], 'http://ec2.amazonaws.com/doc/2016-11-15/'),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId></R>',
    );
  });
});
