/**
 * One header field as HPACK carries it. Names and values are octet strings; they are kept as
 * latin1 strings (one character per octet), as node:http2 hands them out, so a string's length is
 * its size in octets, which the dynamic table's accounting needs (RFC 7541 §4.1).
 */
export type HeaderField = readonly [name: string, value: string];

/** The first value of `name` in `fields`, as an HTTP/2 peer sends names in lower case. */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return fields.find(([n]) => n === name)?.[1];
}
