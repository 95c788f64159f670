import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FrameReader, frameMessage } from '../../../src/wire/framing.ts';
import { decodeGrpcMessage } from '../../../src/wire/grpc-status.ts';
import { isUnknownPodError, UNKNOWN_POD_ERROR } from '../../../src/wire/reference-errors.ts';
import { WireError } from '../../../src/wire/wire-error.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('gRPC length-prefixed framing', () => {
  it('writes a zero flags byte and a big-endian length before the message', () => {
    expect(hex(frameMessage(new Uint8Array([0xaa, 0xbb])))).toBe('0000000002aabb');
    expect(hex(frameMessage(new Uint8Array(0)))).toBe('0000000000');
    expect(hex(frameMessage(new Uint8Array(300)).subarray(0, FRAME_HEADER_BYTES))).toBe(
      '000000012c',
    );
  });

  it('reassembles messages split across chunks at every byte, and several in one chunk', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(0);
    const c = new Uint8Array(200).fill(7);
    const stream = Buffer.concat([frameMessage(a), frameMessage(b), frameMessage(c)]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const messages = [
        ...reader.push(stream.subarray(0, cut)),
        ...reader.push(stream.subarray(cut)),
      ];
      reader.end();
      expect(messages.map(hex)).toEqual([a, b, c].map(hex));
    }
    const oneByOne = new FrameReader();
    const messages = [...stream].flatMap((byte) => oneByOne.push(new Uint8Array([byte])));
    expect(messages).toHaveLength(3);
  });

  it('refuses a compressed message, a bad flags byte and a message over the limit', () => {
    expect(() => new FrameReader().push(new Uint8Array([1, 0, 0, 0, 0]))).toThrow(
      new WireError('gRPC frame: a compressed message, but no compression was negotiated'),
    );
    expect(() => new FrameReader().push(new Uint8Array([2, 0, 0, 0, 0]))).toThrow(
      'gRPC frame: invalid flags byte 2',
    );
    expect(() => new FrameReader(10).push(new Uint8Array([0, 0, 0, 0, 11]))).toThrow(
      'gRPC frame: a message of 11 bytes is larger than the limit of 10',
    );
  });

  it('refuses a stream that ends inside a frame', () => {
    const header = new FrameReader();
    header.push(new Uint8Array([0, 0, 0]));
    expect(() => header.end()).toThrow(
      'gRPC frame: the stream ended inside a frame header (3 of 5 bytes)',
    );
    const body = new FrameReader();
    expect(body.push(frameMessage(new Uint8Array(10)).subarray(0, 9))).toEqual([]);
    expect(() => body.end()).toThrow(
      'gRPC frame: the stream ended inside a message (4 of 10 bytes)',
    );
  });
});

describe('status messages', () => {
  it('decodes grpc-message percent-encoding, and keeps an invalid encoding as it came', () => {
    expect(decodeGrpcMessage('1 error occurred:%0A%09* datastore: unknown pod%0A%0A')).toBe(
      UNKNOWN_POD_ERROR,
    );
    expect(decodeGrpcMessage('p%C3%B6d')).toBe('pöd');
    expect(decodeGrpcMessage('100%')).toBe('100%');
    expect(decodeGrpcMessage('%E0%A4%A')).toBe('%E0%A4%A');
  });

  it('knows the reference text for an unknown pod, exactly', () => {
    expect(UNKNOWN_POD_ERROR).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');
    expect(isUnknownPodError(UNKNOWN_POD_ERROR)).toBe(true);
    expect(isUnknownPodError('rpc error: code = Unknown desc = datastore: unknown pod')).toBe(true);
    expect(isUnknownPodError('checkpoint write failed: EIO')).toBe(false);
  });
});
