import { DynamicTable } from './dynamic-table.ts';
import type { HeaderField } from './header-field.ts';
import { HpackError } from './hpack-error.ts';
import { type BlockCursor, readInteger, readString } from './primitives.ts';
import { STATIC_TABLE } from './static-table.ts';

/**
 * Decodes header blocks (RFC 7541 §3, §6) in the order they arrive on one connection: the
 * dynamic table carries over from block to block, so every block must be decoded, even one for a
 * stream nobody waits on any more. Any error leaves the table out of step with the encoder's, so
 * the connection must end (a COMPRESSION_ERROR).
 */
export class HeaderBlockDecoder {
  private readonly table: DynamicTable;
  /** SETTINGS_HEADER_TABLE_SIZE as we announced it: no size update may exceed it. */
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
    this.table = new DynamicTable(limit);
  }

  /** Entries in the dynamic table now, for tests and for error messages. */
  get dynamicEntries(): number {
    return this.table.length;
  }

  /** The dynamic table's size in its own accounting (entries' octets plus 32 each). */
  get dynamicOctets(): number {
    return this.table.octets;
  }

  decode(block: Uint8Array): HeaderField[] {
    const cursor: BlockCursor = { bytes: block, offset: 0 };
    const fields: HeaderField[] = [];
    while (cursor.offset < block.length) {
      const first = block[cursor.offset]!;
      if (first & 0x80) {
        fields.push(this.field(readInteger(cursor, 7)));
      } else if (first & 0x40) {
        const field = this.literal(cursor, 6);
        this.table.add(field);
        fields.push(field);
      } else if (first & 0x20) {
        // Size updates come first in a block (§4.2); after a field one would be out of place.
        if (fields.length > 0) {
          throw new HpackError('a dynamic table size update after a header field');
        }
        const size = readInteger(cursor, 5);
        if (size > this.limit) {
          throw new HpackError(
            `a dynamic table size update to ${size}, above the ${this.limit} octets allowed`,
          );
        }
        this.table.resize(size);
      } else {
        // Without indexing (0000) and never indexed (0001) decode alike.
        fields.push(this.literal(cursor, 4));
      }
    }
    return fields;
  }

  /** A literal field: its name by index (non-zero prefix) or as a string, then its value. */
  private literal(cursor: BlockCursor, prefixBits: number): HeaderField {
    const index = readInteger(cursor, prefixBits);
    const name = index === 0 ? readString(cursor) : this.field(index)[0];
    return [name, readString(cursor)];
  }

  private field(index: number): HeaderField {
    if (index === 0) throw new HpackError('index 0 names no header field');
    const field =
      index <= STATIC_TABLE.length
        ? STATIC_TABLE[index - 1]
        : this.table.get(index - STATIC_TABLE.length);
    if (!field) {
      throw new HpackError(
        `index ${index} is past the static table (${STATIC_TABLE.length}) and the dynamic table (${this.table.length} entries)`,
      );
    }
    return field;
  }
}
