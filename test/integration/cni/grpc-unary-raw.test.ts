import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { settingsFrame } from '../../../cni-shim/h2/frame-writer.ts';
import { HeaderBlockEncoder } from '../../../cni-shim/h2/hpack/header-block-encoder.ts';
import { ERROR_CODE, FLAG, FRAME, SETTING } from '../../../cni-shim/h2/protocol-codes.ts';
import { GrpcUnixChannel } from '../../../cni-shim/ipamd/grpc-unary.ts';
import { frameMessage } from '../../../src/wire/framing.ts';
import { GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import { textMethod } from './h2-test-servers.ts';
import { encodeFrame, hex, type RawHttp2Server, startRawHttp2Server } from './raw-h2-server.ts';

/**
 * The plugin's HTTP/2 client against answers written octet by octet: padding, priority fields,
 * header blocks cut anywhere, RFC 7541's own Huffman literals and dynamic-table references, and
 * the malformed frames and header blocks a broken server could send — each of which ends the
 * call INTERNAL with a message naming it, and the connection with our GOAWAY.
 */

const ECHO = textMethod('Echo');

let dir: string;
let raw: RawHttp2Server;
let socketPath: string;
let channel: GrpcUnixChannel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cni-h2-raw-'));
  socketPath = join(dir, 'raw.sock');
  raw = await startRawHttp2Server(socketPath);
});
afterAll(async () => {
  await raw.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  raw.greet = true;
  raw.received.length = 0;
  channel = new GrpcUnixChannel(socketPath);
});
afterEach(() => channel.close());

const plain = (fields: [string, string][]) => new HeaderBlockEncoder().encode(fields);
const RESPONSE = plain([
  [':status', '200'],
  ['content-type', 'application/grpc'],
]);

/** The GOAWAY the client sent, once it has. */
async function clientGoaway(): Promise<number> {
  return vi.waitFor(() => {
    const goaway = raw.received.find((frame) => frame.type === FRAME.GOAWAY);
    if (!goaway) throw new Error('no GOAWAY yet');
    return new DataView(goaway.payload.buffer, goaway.payload.byteOffset).getUint32(4);
  });
}

describe('well-formed answers written the hard way', () => {
  it('padded HEADERS with priority fields, padded DATA, trailers cut into CONTINUATIONs mid-string', async () => {
    raw.answer = (socket, id) => {
      const headers = Buffer.concat([
        Buffer.from([3]), // pad length
        Buffer.from([0x80, 0, 0, 0, 200]), // exclusive dependency on stream 0, weight 201
        RESPONSE,
        Buffer.alloc(3),
      ]);
      const message = frameMessage(ECHO.response.encode({ text: 'padded' }));
      const data = Buffer.concat([Buffer.from([5]), message, Buffer.alloc(5)]);
      const trailers = plain([
        ['grpc-status', '0'],
        ['grpc-message', 'fine%20thanks'],
      ]);
      socket.write(
        Buffer.concat([
          encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.PADDED | FLAG.PRIORITY, id, headers),
          encodeFrame(FRAME.DATA, FLAG.PADDED, id, data),
          encodeFrame(FRAME.HEADERS, FLAG.END_STREAM, id, trailers.subarray(0, 7)),
          encodeFrame(FRAME.CONTINUATION, 0, id, trailers.subarray(7, 20)),
          encodeFrame(FRAME.CONTINUATION, FLAG.END_HEADERS, id, trailers.subarray(20)),
        ]),
      );
    };
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.OK,
      message: 'fine thanks',
      reply: { text: 'padded' },
    });
  });

  it('RFC 7541 C.4 Huffman literals, then dynamic-table references; a size update empties the table', async () => {
    const answers = [
      // :status 200; C.4.3's custom-key: custom-value (Huffman, indexed); grpc-status 9 and
      // grpc-message, whose Huffman value is C.4.1's www.example.com (both indexed).
      hex(`88 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf
           400b 6772 7063 2d73 7461 7475 73 0139
           400c 6772 7063 2d6d 6573 7361 6765 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff`),
      // :status 200, then grpc-message (62) and grpc-status (63) from the dynamic table.
      hex('88 be bf'),
      // A size update to 0 empties the table: index 62 is gone.
      hex('20 88 be'),
    ];
    raw.answer = (socket, id) => {
      socket.write(
        encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, answers.shift()!),
      );
    };
    const expected = {
      status: GRPC_STATUS.FAILED_PRECONDITION,
      message: 'www.example.com',
      reply: undefined,
    };
    expect(await channel.call(ECHO, { text: '' })).toEqual(expected);
    expect(await channel.call(ECHO, { text: '' })).toEqual(expected);
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.INTERNAL,
      message: `${socketPath} broke the protocol: HTTP/2 COMPRESSION_ERROR: HPACK: index 62 is past the static table (61) and the dynamic table (0 entries)`,
      reply: undefined,
    });
    expect(await clientGoaway()).toBe(ERROR_CODE.COMPRESSION_ERROR);
  });
});

describe('malformed header blocks: INTERNAL, COMPRESSION_ERROR', () => {
  it.each([
    [
      'an index past both tables',
      '88 ff00',
      'index 127 is past the static table (61) and the dynamic table (0 entries)',
    ],
    ['index 0', '88 80', 'index 0 names no header field'],
    [
      'a truncated string',
      '88 0005 6162',
      'a string of 5 octets runs past the end of the header block (2 left)',
    ],
    [
      'Huffman padding of zeros',
      '88 0001 78 8118',
      'Huffman padding that is not the high bits of EOS (all ones)',
    ],
    ['a truncated integer', '88 1f', 'an integer runs past the end of the header block'],
    [
      'a size update above our 4096',
      '3fe21f 88',
      'a dynamic table size update to 4097, above the 4096 octets allowed',
    ],
  ])('%s', async (_name, block, detail) => {
    raw.answer = (socket, id) =>
      socket.write(encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, hex(block)));
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.INTERNAL,
      message: `${socketPath} broke the protocol: HTTP/2 COMPRESSION_ERROR: HPACK: ${detail}`,
      reply: undefined,
    });
    expect(await clientGoaway()).toBe(ERROR_CODE.COMPRESSION_ERROR);
  });
});

describe('malformed frames: INTERNAL, and our GOAWAY with the error code', () => {
  it.each([
    [
      'a frame larger than our 16384-octet limit',
      (id: number) => encodeFrame(FRAME.DATA, 0, id, new Uint8Array(16_385)),
      'FRAME_SIZE_ERROR: a frame of 16385 octets, above the 16384 we allow',
    ],
    [
      'PUSH_PROMISE',
      (id: number) => encodeFrame(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, id, new Uint8Array(4)),
      'PROTOCOL_ERROR: a PUSH_PROMISE frame, but push is off',
    ],
    [
      'a CONTINUATION without HEADERS',
      (id: number) => encodeFrame(FRAME.CONTINUATION, FLAG.END_HEADERS, id, RESPONSE),
      'PROTOCOL_ERROR: a CONTINUATION frame on stream 1 without a HEADERS frame before it',
    ],
    [
      'DATA between HEADERS and its CONTINUATION',
      (id: number) =>
        Buffer.concat([
          encodeFrame(FRAME.HEADERS, 0, id, RESPONSE.subarray(0, 3)),
          encodeFrame(FRAME.DATA, 0, id, new Uint8Array(5)),
        ]),
      "PROTOCOL_ERROR: a DATA frame on stream 1 where a CONTINUATION of stream 1's headers belongs",
    ],
    [
      'padding as long as the payload',
      (id: number) => encodeFrame(FRAME.DATA, FLAG.PADDED, id, Uint8Array.from([3, 0, 0])),
      'PROTOCOL_ERROR: a padded DATA frame whose padding (3) is not shorter than its payload (3 octets)',
    ],
    [
      'DATA on stream 0',
      () => encodeFrame(FRAME.DATA, 0, 0, new Uint8Array(1)),
      'PROTOCOL_ERROR: a DATA frame on stream 0',
    ],
    [
      'HEADERS on a stream we never opened',
      () => encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS, 7, RESPONSE),
      'PROTOCOL_ERROR: a frame on stream 7, which we never opened',
    ],
    [
      'a WINDOW_UPDATE of 0',
      (id: number) => encodeFrame(FRAME.WINDOW_UPDATE, 0, id, new Uint8Array(4)),
      'PROTOCOL_ERROR: a WINDOW_UPDATE of 0 on stream 1',
    ],
    [
      'SETTINGS_MAX_FRAME_SIZE below 16384',
      () => settingsFrame([[SETTING.MAX_FRAME_SIZE, 100]]),
      'PROTOCOL_ERROR: SETTINGS_MAX_FRAME_SIZE of 100',
    ],
    [
      // 65,535 less the request's 5 octets, plus 2^31 - 1.
      'a WINDOW_UPDATE past 2^31 - 1',
      () => encodeFrame(FRAME.WINDOW_UPDATE, 0, 0, Uint8Array.of(0x7f, 0xff, 0xff, 0xff)),
      'FLOW_CONTROL_ERROR: the send window of the connection would grow to 2147549177, above 2147483647',
    ],
    [
      'a PING of 7 octets',
      () => encodeFrame(FRAME.PING, 0, 0, new Uint8Array(7)),
      'FRAME_SIZE_ERROR: a PING frame of 7 octets (want 8)',
    ],
  ])('%s', async (_name, frames, detail) => {
    raw.answer = (socket, id) => socket.write(frames(id));
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.INTERNAL,
      message: `${socketPath} broke the protocol: HTTP/2 ${detail}`,
      reply: undefined,
    });
    const code = detail.slice(0, detail.indexOf(':')) as keyof typeof ERROR_CODE;
    expect(await clientGoaway()).toBe(ERROR_CODE[code]);
  });

  it('a server that does not begin with SETTINGS', async () => {
    raw.greet = false;
    raw.answer = (socket, id) =>
      socket.write(encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, RESPONSE));
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.INTERNAL,
      message: `${socketPath} broke the protocol: HTTP/2 PROTOCOL_ERROR: the server did not begin with SETTINGS`,
      reply: undefined,
    });
  });
});
