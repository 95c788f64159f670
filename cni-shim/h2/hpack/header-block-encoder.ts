import type { HeaderField } from './header-field.ts';
import { writeInteger, writeString } from './primitives.ts';

/**
 * Encodes the request's header fields as literals without indexing and without Huffman coding
 * (RFC 7541 §6.2.2): valid for any decoder, and our dynamic table stays empty, so nothing the
 * server does to its table size can make a block wrong — except that when the server lowers
 * SETTINGS_HEADER_TABLE_SIZE below what we last signalled, the next block must start with a size
 * update (§4.2), which nghttp2 (node:http2's server) insists on.
 */
export class HeaderBlockEncoder {
  /** The dynamic table size the server's decoder assumes for us: 4096 until we say otherwise. */
  private signalled = 4096;
  private pendingUpdate: number | undefined;

  /** The server's SETTINGS_HEADER_TABLE_SIZE. */
  setPeerLimit(limit: number): void {
    if (limit < this.signalled) {
      this.signalled = limit;
      this.pendingUpdate = limit;
    }
  }

  encode(fields: readonly HeaderField[]): Uint8Array {
    const out: number[] = [];
    if (this.pendingUpdate !== undefined) {
      writeInteger(out, this.pendingUpdate, 5, 0x20);
      this.pendingUpdate = undefined;
    }
    for (const [name, value] of fields) {
      out.push(0x00);
      writeString(out, name);
      writeString(out, value);
    }
    return Uint8Array.from(out);
  }
}
