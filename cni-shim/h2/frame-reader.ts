import { Http2Error } from './http2-error.ts';
import { ERROR_CODE, FRAME_HEADER_OCTETS } from './protocol-codes.ts';

/** One frame as it came off the connection; the payload still holds any padding. */
export interface Http2Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Uint8Array;
}

/**
 * Cuts the server's byte stream into frames (RFC 9113 §4.1), however the socket chunked it. A
 * frame longer than the SETTINGS_MAX_FRAME_SIZE we announced is a FRAME_SIZE_ERROR.
 */
export class Http2FrameReader {
  private readonly maxFrameSize: number;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** The frames `chunk` completed, in order. */
  push(chunk: Uint8Array): Http2Frame[] {
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const frames: Http2Frame[] = [];
    let offset = 0;
    const bytes = this.pending;
    while (bytes.length - offset >= FRAME_HEADER_OCTETS) {
      const length = (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
      if (length > this.maxFrameSize) {
        throw new Http2Error(
          ERROR_CODE.FRAME_SIZE_ERROR,
          `a frame of ${length} octets, above the ${this.maxFrameSize} we allow`,
        );
      }
      const end = offset + FRAME_HEADER_OCTETS + length;
      if (bytes.length < end) break;
      frames.push({
        type: bytes[offset + 3]!,
        flags: bytes[offset + 4]!,
        // The high bit is reserved and ignored on receipt.
        streamId:
          ((bytes[offset + 5]! & 0x7f) << 24) |
          (bytes[offset + 6]! << 16) |
          (bytes[offset + 7]! << 8) |
          bytes[offset + 8]!,
        payload: bytes.subarray(offset + FRAME_HEADER_OCTETS, end),
      });
      offset = end;
    }
    this.pending = bytes.subarray(offset);
    return frames;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
