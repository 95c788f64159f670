/**
 * Appends protobuf wire-format values to a growing buffer. Knows varints, fixed lengths and
 * length-delimited bytes; which fields to write and when to leave one out is the caller's.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private buffer = new Uint8Array(128);
  private length = 0;

  tag(fieldNumber: number, wireType: number): void {
    this.uint32(((fieldNumber << 3) | wireType) >>> 0);
  }

  /** An unsigned varint of at most 32 bits (tags, lengths, bools, non-negative int32). */
  uint32(value: number): void {
    this.reserve(5);
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest;
  }

  /**
   * An int32 as protobuf encodes it: a negative value is sign-extended to 64 bits, so it always
   * takes ten bytes (DeviceNumber is -1 for branch-ENI pods).
   */
  int32(value: number): void {
    if (value >= 0) {
      this.uint32(value);
      return;
    }
    this.reserve(10);
    let low = value >>> 0;
    let high = 0xffffffff;
    for (let i = 0; i < 9; i++) {
      this.buffer[this.length++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buffer[this.length++] = low & 0x01;
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  string(value: string): void {
    this.bytes(utf8.encode(value));
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
