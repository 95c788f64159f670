import {
  WIRE_END_GROUP,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_START_GROUP,
  WIRE_VARINT,
} from './proto3-writer.ts';
import { WireError } from './wire-error.ts';

/** Groups nested deeper than this are refused rather than recursed into. */
const MAX_GROUP_DEPTH = 32;

/**
 * Reads protobuf wire-format values from a byte range, refusing anything truncated or malformed
 * with a `WireError` that says what and where (byte offsets count from the start of `bytes`).
 */
export class ProtoReader {
  readonly bytes: Uint8Array;
  position: number;
  readonly end: number;
  /** Bits 32..63 of the varint `varint()` read last. */
  private highBits = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.position = start;
    this.end = end;
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  /** Bits 0..31 of a varint of up to ten bytes, as an unsigned number; see `high`. */
  varint(): number {
    const start = this.position;
    let low = 0;
    let high = 0;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.end) throw new WireError(`truncated varint at byte ${start}`);
      const byte = this.bytes[this.position++] as number;
      const bits = byte & 0x7f;
      if (i < 4) low |= bits << (7 * i);
      else if (i === 4) {
        low |= bits << 28;
        high = bits >>> 4;
      } else if (i < 9) high |= bits << (7 * i - 32);
      else if (byte > 1) throw new WireError(`varint at byte ${start} overflows 64 bits`);
      else high |= byte << 31;
      if (byte < 0x80) {
        this.highBits = high >>> 0;
        return low >>> 0;
      }
    }
    throw new WireError(`varint at byte ${start} is longer than 10 bytes`);
  }

  get high(): number {
    return this.highBits;
  }

  /** A tag: the field number and the wire type. */
  tag(): { fieldNumber: number; wireType: number } {
    const start = this.position;
    const tag = this.varint();
    const fieldNumber = tag >>> 3;
    if (this.highBits !== 0 || fieldNumber === 0) {
      throw new WireError(`invalid field number at byte ${start}`);
    }
    return { fieldNumber, wireType: tag & 7 };
  }

  /** The bounds of a length-delimited value; the reader moves past it. */
  lengthDelimited(): { start: number; end: number } {
    const at = this.position;
    const length = this.varint();
    const left = this.end - this.position;
    if (this.highBits !== 0 || length > left) {
      throw new WireError(
        `truncated: length-delimited value at byte ${at} declares ${this.highBits !== 0 ? 'more than 4 GiB' : `${length} bytes`}, ${left} left`,
      );
    }
    const start = this.position;
    this.position += length;
    return { start, end: this.position };
  }

  /** Moves past one value of `wireType` (an unknown field, or a known one of another type). */
  skip(wireType: number, fieldNumber: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_LENGTH_DELIMITED:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      case WIRE_START_GROUP:
        this.skipGroup(fieldNumber, depth);
        return;
      case WIRE_END_GROUP:
        throw new WireError(
          `end-group tag of field ${fieldNumber} without a start before byte ${this.position}`,
        );
      default:
        throw new WireError(
          `invalid wire type ${wireType} for field ${fieldNumber} before byte ${this.position}`,
        );
    }
  }

  private fixed(size: number): void {
    if (this.end - this.position < size) {
      throw new WireError(
        `truncated: ${size}-byte value at byte ${this.position}, ${this.end - this.position} left`,
      );
    }
    this.position += size;
  }

  private skipGroup(fieldNumber: number, depth: number): void {
    if (depth >= MAX_GROUP_DEPTH) {
      throw new WireError(`groups nested deeper than ${MAX_GROUP_DEPTH} at byte ${this.position}`);
    }
    for (;;) {
      if (this.done) throw new WireError(`truncated: group ${fieldNumber} is not closed`);
      const inner = this.tag();
      if (inner.wireType === WIRE_END_GROUP) {
        if (inner.fieldNumber !== fieldNumber) {
          throw new WireError(
            `group ${fieldNumber} closed by an end-group tag of field ${inner.fieldNumber}`,
          );
        }
        return;
      }
      this.skip(inner.wireType, inner.fieldNumber, depth + 1);
    }
  }
}
