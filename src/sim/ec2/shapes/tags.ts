import { itemList, leaf, type XmlFragment } from '../xml.ts';

/** `<name><item><key/><value/></item>…</name>`, EC2's tag list. */
export function tagSetXml(tags: ReadonlyMap<string, string>, name = 'tagSet'): XmlFragment {
  return itemList(
    name,
    [...tags].map(([key, value]) => [leaf('key', key), leaf('value', value)]),
  );
}
