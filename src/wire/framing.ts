import { WireError } from './wire-error.ts';

/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: a 1-byte compressed flag, a 4-byte
 * big-endian length, then the message (the gRPC over HTTP/2 protocol document,
 * "Length-Prefixed-Message"). Nothing here compresses, so a compressed message is refused.
 */

export const FRAME_HEADER_BYTES = 5;
/** grpc-go's and grpc-js's default limit on a received message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function frameMessage(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

/** Collects DATA chunks as they arrive and hands out each whole message. */
export class FrameReader {
  private readonly maxMessageBytes: number;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The messages `chunk` completed (often none or one). */
  push(chunk: Uint8Array): Uint8Array[] {
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const messages: Uint8Array[] = [];
    for (;;) {
      if (this.pending.length < FRAME_HEADER_BYTES) break;
      const view = new DataView(
        this.pending.buffer,
        this.pending.byteOffset,
        this.pending.byteLength,
      );
      const flags = view.getUint8(0);
      if (flags === 1) {
        throw new WireError('gRPC frame: a compressed message, but no compression was negotiated');
      }
      if (flags !== 0) throw new WireError(`gRPC frame: invalid flags byte ${flags}`);
      const length = view.getUint32(1);
      if (length > this.maxMessageBytes) {
        throw new WireError(
          `gRPC frame: a message of ${length} bytes is larger than the limit of ${this.maxMessageBytes}`,
        );
      }
      if (this.pending.length < FRAME_HEADER_BYTES + length) break;
      messages.push(this.pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + length);
    }
    return messages;
  }

  /** The stream ended: refuses a frame cut short. */
  end(): void {
    if (this.pending.length === 0) return;
    if (this.pending.length < FRAME_HEADER_BYTES) {
      throw new WireError(
        `gRPC frame: the stream ended inside a frame header (${this.pending.length} of ${FRAME_HEADER_BYTES} bytes)`,
      );
    }
    const length = new DataView(
      this.pending.buffer,
      this.pending.byteOffset,
      this.pending.byteLength,
    ).getUint32(1);
    throw new WireError(
      `gRPC frame: the stream ended inside a message (${this.pending.length - FRAME_HEADER_BYTES} of ${length} bytes)`,
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
