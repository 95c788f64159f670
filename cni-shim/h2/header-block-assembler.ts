import { frameName, headerFragmentOf, requireStream } from './frame-payloads.ts';
import type { Http2Frame } from './frame-reader.ts';
import { Http2Error } from './http2-error.ts';
import { ERROR_CODE, FLAG, FRAME } from './protocol-codes.ts';

/** A header block as HPACK decodes it: the fragments of a HEADERS frame and its CONTINUATIONs. */
export interface HeaderBlock {
  readonly streamId: number;
  readonly endStream: boolean;
  readonly block: Uint8Array;
}

/** More than any gRPC reply's headers; a server sending more is broken or hostile. */
export const MAX_HEADER_BLOCK_OCTETS = 256 * 1024;

/**
 * Joins a HEADERS frame with the CONTINUATION frames that follow it (RFC 9113 §6.10). Until
 * END_HEADERS, no other frame may arrive on the connection; a CONTINUATION without an open
 * block, or on another stream, is a PROTOCOL_ERROR.
 */
export class HeaderBlockAssembler {
  private open:
    | { streamId: number; endStream: boolean; fragments: Uint8Array[]; octets: number }
    | undefined;

  /** Every frame passes here first; returns a block when `frame` completed one. */
  accept(frame: Http2Frame): HeaderBlock | undefined {
    if (frame.type === FRAME.HEADERS && !this.open) {
      requireStream(frame, false);
      this.open = {
        streamId: frame.streamId,
        endStream: (frame.flags & FLAG.END_STREAM) !== 0,
        fragments: [],
        octets: 0,
      };
      return this.add(headerFragmentOf(frame), frame.flags);
    }
    if (frame.type === FRAME.CONTINUATION && this.open?.streamId === frame.streamId) {
      return this.add(frame.payload, frame.flags);
    }
    if (this.open) {
      throw new Http2Error(
        ERROR_CODE.PROTOCOL_ERROR,
        `a ${frameName(frame.type)} frame on stream ${frame.streamId} where a CONTINUATION of stream ${this.open.streamId}'s headers belongs`,
      );
    }
    if (frame.type === FRAME.CONTINUATION) {
      throw new Http2Error(
        ERROR_CODE.PROTOCOL_ERROR,
        `a CONTINUATION frame on stream ${frame.streamId} without a HEADERS frame before it`,
      );
    }
    return undefined;
  }

  private add(fragment: Uint8Array, flags: number): HeaderBlock | undefined {
    const open = this.open!;
    open.fragments.push(fragment);
    open.octets += fragment.length;
    if (open.octets > MAX_HEADER_BLOCK_OCTETS) {
      throw new Http2Error(
        ERROR_CODE.ENHANCE_YOUR_CALM,
        `a header block longer than ${MAX_HEADER_BLOCK_OCTETS} octets on stream ${open.streamId}`,
      );
    }
    if (!(flags & FLAG.END_HEADERS)) return undefined;
    this.open = undefined;
    const block = open.fragments.length === 1 ? open.fragments[0]! : Buffer.concat(open.fragments);
    return { streamId: open.streamId, endStream: open.endStream, block };
  }
}
