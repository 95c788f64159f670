import type { Http2Frame } from './frame-reader.ts';
import { Http2Error } from './http2-error.ts';
import { ERROR_CODE, errorCodeName, FLAG, FRAME } from './protocol-codes.ts';

/** What the payloads of received frames hold (RFC 9113 §6), with their malformations refused. */

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A DATA frame's data, without its padding. */
export function dataOf(frame: Http2Frame): Uint8Array {
  return unpadded(frame, 'DATA');
}

/** A HEADERS frame's header block fragment, without padding and priority fields (§6.2). */
export function headerFragmentOf(frame: Http2Frame): Uint8Array {
  const fragment = unpadded(frame, 'HEADERS');
  if (!(frame.flags & FLAG.PRIORITY)) return fragment;
  if (fragment.length < 5) {
    throw new Http2Error(
      ERROR_CODE.FRAME_SIZE_ERROR,
      'a HEADERS frame too short for its priority fields',
    );
  }
  return fragment.subarray(5);
}

function unpadded(frame: Http2Frame, name: string): Uint8Array {
  if (!(frame.flags & FLAG.PADDED)) return frame.payload;
  const { payload } = frame;
  // The Pad Length octet counts too: padding must leave room for it (§6.1).
  if (payload.length === 0 || payload[0]! >= payload.length) {
    throw new Http2Error(
      ERROR_CODE.PROTOCOL_ERROR,
      `a padded ${name} frame whose padding (${payload[0] ?? 'no length'}) is not shorter than its payload (${payload.length} octets)`,
    );
  }
  return payload.subarray(1, payload.length - payload[0]!);
}

export function settingsOf(frame: Http2Frame): [id: number, value: number][] {
  if (frame.payload.length % 6 !== 0) {
    throw new Http2Error(
      ERROR_CODE.FRAME_SIZE_ERROR,
      `a SETTINGS frame of ${frame.payload.length} octets, not a multiple of 6`,
    );
  }
  const settings: [number, number][] = [];
  const v = view(frame.payload);
  for (let offset = 0; offset < frame.payload.length; offset += 6) {
    settings.push([v.getUint16(offset), v.getUint32(offset + 2)]);
  }
  return settings;
}

export function windowIncrementOf(frame: Http2Frame): number {
  requireLength(frame, 4, 'WINDOW_UPDATE');
  const increment = view(frame.payload).getUint32(0) & 0x7fffffff;
  if (increment === 0) {
    throw new Http2Error(
      ERROR_CODE.PROTOCOL_ERROR,
      `a WINDOW_UPDATE of 0 on stream ${frame.streamId}`,
    );
  }
  return increment;
}

export function resetCodeOf(frame: Http2Frame): number {
  requireLength(frame, 4, 'RST_STREAM');
  return view(frame.payload).getUint32(0);
}

export interface Goaway {
  readonly lastStreamId: number;
  readonly code: number;
  /** The debug data, as text; servers put a reason there (grpc-go: "too_many_pings"). */
  readonly debug: string;
}

export function goawayOf(frame: Http2Frame): Goaway {
  if (frame.payload.length < 8) {
    throw new Http2Error(
      ERROR_CODE.FRAME_SIZE_ERROR,
      `a GOAWAY frame of ${frame.payload.length} octets`,
    );
  }
  const v = view(frame.payload);
  return {
    lastStreamId: v.getUint32(0) & 0x7fffffff,
    code: v.getUint32(4),
    debug: new TextDecoder().decode(frame.payload.subarray(8)),
  };
}

/** "GOAWAY NO_ERROR: reason", for messages. */
export function describeGoaway(goaway: Goaway): string {
  return `GOAWAY ${errorCodeName(goaway.code)}${goaway.debug ? `: ${goaway.debug}` : ''}`;
}

export function requireLength(frame: Http2Frame, length: number, name: string): void {
  if (frame.payload.length !== length) {
    throw new Http2Error(
      ERROR_CODE.FRAME_SIZE_ERROR,
      `a ${name} frame of ${frame.payload.length} octets (want ${length})`,
    );
  }
}

/** Frames that belong to the connection, not to a stream, must say stream 0, and the others not. */
export function requireStream(frame: Http2Frame, onConnection: boolean): void {
  if ((frame.streamId === 0) !== onConnection) {
    throw new Http2Error(
      ERROR_CODE.PROTOCOL_ERROR,
      `a ${frameName(frame.type)} frame on stream ${frame.streamId}`,
    );
  }
}

const FRAME_NAMES = Object.keys(FRAME);

export function frameName(type: number): string {
  return FRAME_NAMES[type] ?? `frame type 0x${type.toString(16)}`;
}
