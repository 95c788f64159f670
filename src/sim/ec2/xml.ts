/**
 * A minimal XML writer for EC2 Query API responses. Fragments are escaped when built, so a
 * fragment can be nested anywhere without being escaped twice.
 */

export interface XmlFragment {
  readonly xml: string;
}

const EMPTY: XmlFragment = { xml: '' };

// Characters XML 1.0 cannot carry at all; replaced so a stray tag value cannot break the document.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name>value</name>`; nothing at all when the value is undefined or null (EC2 omits absent fields). */
export function leaf(
  name: string,
  value: string | number | boolean | undefined | null,
): XmlFragment {
  if (value === undefined || value === null) return EMPTY;
  return { xml: `<${name}>${escapeXml(String(value))}</${name}>` };
}

/** `<name>children…</name>`. */
export function node(name: string, children: readonly XmlFragment[]): XmlFragment {
  return { xml: `<${name}>${join(children)}</${name}>` };
}

/** An EC2 list: `<name><item>…</item>…</name>` (an empty list is `<name/>`). */
export function itemList(name: string, items: readonly (readonly XmlFragment[])[]): XmlFragment {
  if (items.length === 0) return { xml: `<${name}/>` };
  return {
    xml: `<${name}>${items.map((children) => `<item>${join(children)}</item>`).join('')}</${name}>`,
  };
}

/** An EC2 list of plain strings: `<name><item>a</item>…</name>`. */
export function valueList(name: string, values: readonly string[]): XmlFragment {
  if (values.length === 0) return { xml: `<${name}/>` };
  return {
    xml: `<${name}>${values.map((v) => `<item>${escapeXml(v)}</item>`).join('')}</${name}>`,
  };
}

export function join(children: readonly XmlFragment[]): string {
  let out = '';
  for (const child of children) out += child.xml;
  return out;
}

/** A complete document with the XML declaration and a namespaced root element. */
export function xmlDocument(
  root: string,
  children: readonly XmlFragment[],
  xmlns?: string,
): string {
  const ns = xmlns === undefined ? '' : ` xmlns="${escapeXml(xmlns)}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${join(children)}</${root}>`;
}
