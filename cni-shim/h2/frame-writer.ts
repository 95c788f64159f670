import { FLAG, FRAME, FRAME_HEADER_OCTETS } from './protocol-codes.ts';

/** The frames this client sends, as bytes ready for the socket (RFC 9113 §3.4, §6). */

const EMPTY = new Uint8Array(0);

/** What a client sends first on a connection, before its SETTINGS (§3.4). */
export const CLIENT_PREFACE = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) =>
  c.charCodeAt(0),
);

export function encodeFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = EMPTY,
): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_OCTETS + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length << 8);
  frame[3] = type;
  frame[4] = flags;
  view.setUint32(5, streamId);
  frame.set(payload, FRAME_HEADER_OCTETS);
  return frame;
}

export function settingsFrame(
  settings: readonly (readonly [id: number, value: number])[],
): Uint8Array {
  const payload = new Uint8Array(6 * settings.length);
  const view = new DataView(payload.buffer);
  settings.forEach(([id, value], i) => {
    view.setUint16(6 * i, id);
    view.setUint32(6 * i + 2, value);
  });
  return encodeFrame(FRAME.SETTINGS, 0, 0, payload);
}

export function settingsAckFrame(): Uint8Array {
  return encodeFrame(FRAME.SETTINGS, FLAG.ACK, 0);
}

export function pingAckFrame(opaque: Uint8Array): Uint8Array {
  return encodeFrame(FRAME.PING, FLAG.ACK, 0, opaque);
}

export function windowUpdateFrame(streamId: number, increment: number): Uint8Array {
  return encodeFrame(FRAME.WINDOW_UPDATE, 0, streamId, uint32(increment));
}

export function rstStreamFrame(streamId: number, code: number): Uint8Array {
  return encodeFrame(FRAME.RST_STREAM, 0, streamId, uint32(code));
}

export function goawayFrame(lastStreamId: number, code: number): Uint8Array {
  const payload = new Uint8Array(8);
  const view = new DataView(payload.buffer);
  view.setUint32(0, lastStreamId);
  view.setUint32(4, code);
  return encodeFrame(FRAME.GOAWAY, 0, 0, payload);
}

/**
 * A header block as one HEADERS frame, followed by CONTINUATION frames when the block is longer
 * than the server accepts in one frame; END_HEADERS marks the last of them (§6.10).
 */
export function headerBlockFrames(
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrameSize: number,
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset === 0 || offset < block.length; offset += maxFrameSize) {
    const fragment = block.subarray(offset, offset + maxFrameSize);
    const last = offset + maxFrameSize >= block.length;
    const type = offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
    const flags = (last ? FLAG.END_HEADERS : 0) | (offset === 0 && endStream ? FLAG.END_STREAM : 0);
    frames.push(encodeFrame(type, flags, streamId, fragment));
  }
  return frames;
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}
