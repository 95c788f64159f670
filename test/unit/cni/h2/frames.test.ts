import { describe, expect, it } from 'vitest';
import {
  dataOf,
  goawayOf,
  headerFragmentOf,
  settingsOf,
} from '../../../../cni-shim/h2/frame-payloads.ts';
import { type Http2Frame, Http2FrameReader } from '../../../../cni-shim/h2/frame-reader.ts';
import {
  encodeFrame,
  goawayFrame,
  headerBlockFrames,
  pingAckFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../../../../cni-shim/h2/frame-writer.ts';
import { HeaderBlockAssembler } from '../../../../cni-shim/h2/header-block-assembler.ts';
import { FLAG, FRAME } from '../../../../cni-shim/h2/protocol-codes.ts';
import { ReceiveWindow } from '../../../../cni-shim/h2/receive-window.ts';

const frame = (type: number, flags: number, streamId: number, payload: number[]): Http2Frame => ({
  type,
  flags,
  streamId,
  payload: Uint8Array.from(payload),
});

/** A server's opening: SETTINGS, a padded HEADERS with priority, CONTINUATION, padded DATA, PING. */
const STREAM = Buffer.concat([
  settingsFrame([[4, 1_000_000]]),
  encodeFrame(
    FRAME.HEADERS,
    FLAG.PADDED | FLAG.PRIORITY,
    1,
    Uint8Array.from([2, 0, 0, 0, 0, 15, 0x88, 0, 0]),
  ),
  encodeFrame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, Uint8Array.from([0x82])),
  encodeFrame(FRAME.DATA, FLAG.PADDED | FLAG.END_STREAM, 1, Uint8Array.from([1, 0, 0, 0, 0, 0, 9])),
  encodeFrame(FRAME.PING, 0, 0, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])),
]);

const plainFrames = (frames: Http2Frame[]) =>
  frames.map((f) => ({ ...f, payload: [...f.payload] }));

describe('the frame reader', () => {
  const whole = plainFrames(new Http2FrameReader(16_384).push(STREAM));

  it('reads each frame whole', () => {
    expect(whole.map((f) => [f.type, f.flags, f.streamId, f.payload.length])).toEqual([
      [FRAME.SETTINGS, 0, 0, 6],
      [FRAME.HEADERS, FLAG.PADDED | FLAG.PRIORITY, 1, 9],
      [FRAME.CONTINUATION, FLAG.END_HEADERS, 1, 1],
      [FRAME.DATA, FLAG.PADDED | FLAG.END_STREAM, 1, 7],
      [FRAME.PING, 0, 0, 8],
    ]);
  });

  it('every split of the stream into two or three chunks gives the same frames', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const reader = new Http2FrameReader(16_384);
        const frames = [
          ...reader.push(STREAM.subarray(0, i)),
          ...reader.push(STREAM.subarray(i, j)),
          ...reader.push(STREAM.subarray(j)),
        ];
        expect(plainFrames(frames), `split at ${i}, ${j}`).toEqual(whole);
      }
    }
  });

  it('one octet at a time gives the same frames', () => {
    const reader = new Http2FrameReader(16_384);
    const frames = [...STREAM].flatMap((octet) => reader.push(Uint8Array.of(octet)));
    expect(plainFrames(frames)).toEqual(whole);
  });

  it('ignores the reserved bit of the stream id', () => {
    const bytes = encodeFrame(FRAME.DATA, 0, 3, Uint8Array.of(1));
    bytes[5]! |= 0x80;
    expect(new Http2FrameReader(16_384).push(bytes)[0]?.streamId).toBe(3);
  });

  it('a frame longer than the limit is a FRAME_SIZE_ERROR, known from its header alone', () => {
    const header = encodeFrame(FRAME.DATA, 0, 1, new Uint8Array(16_385)).subarray(0, 9);
    expect(() => new Http2FrameReader(16_384).push(header)).toThrow(
      'HTTP/2 FRAME_SIZE_ERROR: a frame of 16385 octets, above the 16384 we allow',
    );
  });
});

describe('payloads', () => {
  it('padding and priority fields are taken off', () => {
    const [, headers, , data] = new Http2FrameReader(16_384).push(STREAM);
    expect([...headerFragmentOf(headers!)]).toEqual([0x88]);
    expect([...dataOf(data!)]).toEqual([0, 0, 0, 0, 0]);
    expect([...dataOf(frame(FRAME.DATA, FLAG.PADDED, 1, [0, 7]))]).toEqual([7]);
  });

  it.each([
    [
      frame(FRAME.DATA, FLAG.PADDED, 1, []),
      'HTTP/2 PROTOCOL_ERROR: a padded DATA frame whose padding (no length) is not shorter than its payload (0 octets)',
    ],
    [
      frame(FRAME.HEADERS, FLAG.PADDED, 1, [2, 0]),
      'HTTP/2 PROTOCOL_ERROR: a padded HEADERS frame whose padding (2) is not shorter than its payload (2 octets)',
    ],
    [
      frame(FRAME.HEADERS, FLAG.PRIORITY, 1, [0, 0, 0, 0]),
      'HTTP/2 FRAME_SIZE_ERROR: a HEADERS frame too short for its priority fields',
    ],
  ])('refused: %#', (f, message) => {
    expect(() => (f.type === FRAME.DATA ? dataOf(f) : headerFragmentOf(f))).toThrow(message);
  });

  it('SETTINGS: pairs of id and value; a length not a multiple of 6 is refused', () => {
    expect(
      settingsOf(frame(FRAME.SETTINGS, 0, 0, [0, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0x10, 0])),
    ).toEqual([
      [1, 0],
      [4, 4096],
    ]);
    expect(() => settingsOf(frame(FRAME.SETTINGS, 0, 0, [0, 1, 0]))).toThrow(
      'HTTP/2 FRAME_SIZE_ERROR: a SETTINGS frame of 3 octets, not a multiple of 6',
    );
  });

  it('GOAWAY: last stream, code and debug text; shorter than 8 octets is refused', () => {
    const [goaway] = new Http2FrameReader(16_384).push(goawayFrame(5, 11));
    expect(goawayOf(goaway!)).toEqual({ lastStreamId: 5, code: 11, debug: '' });
    expect(() => goawayOf(frame(FRAME.GOAWAY, 0, 0, [0, 0, 0, 1]))).toThrow(
      'HTTP/2 FRAME_SIZE_ERROR: a GOAWAY frame of 4 octets',
    );
  });
});

describe('the frames we write', () => {
  const read = (bytes: Uint8Array) => plainFrames(new Http2FrameReader(1 << 24).push(bytes));

  it('a header block longer than the frame size: HEADERS, then CONTINUATIONs, END_HEADERS on the last', () => {
    const block = Uint8Array.from({ length: 40_000 }, (_, i) => i % 251);
    const frames = read(Buffer.concat(headerBlockFrames(3, block, true, 16_384)));
    expect(frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length])).toEqual([
      [FRAME.HEADERS, FLAG.END_STREAM, 3, 16_384],
      [FRAME.CONTINUATION, 0, 3, 16_384],
      [FRAME.CONTINUATION, FLAG.END_HEADERS, 3, 7_232],
    ]);
    expect(frames.flatMap((f) => f.payload)).toEqual([...block]);
  });

  it('an empty header block is one HEADERS frame', () => {
    expect(read(Buffer.concat(headerBlockFrames(1, new Uint8Array(0), false, 16_384)))).toEqual([
      { type: FRAME.HEADERS, flags: FLAG.END_HEADERS, streamId: 1, payload: [] },
    ]);
  });

  it('WINDOW_UPDATE, PING ACK', () => {
    expect(read(windowUpdateFrame(0, 983_041))).toEqual([
      { type: FRAME.WINDOW_UPDATE, flags: 0, streamId: 0, payload: [0, 0x0f, 0, 1] },
    ]);
    expect(read(pingAckFrame(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)))).toEqual([
      { type: FRAME.PING, flags: FLAG.ACK, streamId: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8] },
    ]);
  });
});

describe('header block assembly', () => {
  it('joins HEADERS and CONTINUATIONs; END_STREAM comes from the HEADERS frame', () => {
    const assembler = new HeaderBlockAssembler();
    expect(assembler.accept(frame(FRAME.HEADERS, FLAG.END_STREAM, 5, [1, 2]))).toBeUndefined();
    expect(assembler.accept(frame(FRAME.CONTINUATION, 0, 5, [3]))).toBeUndefined();
    const block = assembler.accept(frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 5, [4]));
    expect({ ...block, block: [...block!.block] }).toEqual({
      streamId: 5,
      endStream: true,
      block: [1, 2, 3, 4],
    });
    expect(assembler.accept(frame(FRAME.DATA, 0, 5, []))).toBeUndefined();
  });

  it.each([
    [[frame(FRAME.HEADERS, 0, 0, [])], 'HTTP/2 PROTOCOL_ERROR: a HEADERS frame on stream 0'],
    [
      [frame(FRAME.HEADERS, 0, 1, []), frame(FRAME.CONTINUATION, 0, 3, [])],
      "HTTP/2 PROTOCOL_ERROR: a CONTINUATION frame on stream 3 where a CONTINUATION of stream 1's headers belongs",
    ],
    [
      [frame(FRAME.HEADERS, 0, 1, []), frame(FRAME.HEADERS, 0, 3, [])],
      "HTTP/2 PROTOCOL_ERROR: a HEADERS frame on stream 3 where a CONTINUATION of stream 1's headers belongs",
    ],
    [
      [
        frame(FRAME.HEADERS, 0, 1, new Array(200_000).fill(0)),
        frame(FRAME.CONTINUATION, 0, 1, new Array(70_000).fill(0)),
      ],
      'HTTP/2 ENHANCE_YOUR_CALM: a header block longer than 262144 octets on stream 1',
    ],
  ])('refused: %#', (frames, message) => {
    const assembler = new HeaderBlockAssembler();
    expect(() => {
      for (const f of frames) assembler.accept(f);
    }).toThrow(message);
  });
});

describe('our receive window', () => {
  it('hands back what was used once half the window is', () => {
    const window = new ReceiveWindow(100);
    expect([window.receive(30, 'x'), window.receive(19, 'x'), window.receive(1, 'x')]).toEqual([
      0, 0, 50,
    ]);
    expect(window.receive(100, 'x')).toBe(100);
  });

  it('DATA beyond what is left is a FLOW_CONTROL_ERROR', () => {
    const window = new ReceiveWindow(100);
    window.receive(40, 'stream 1');
    expect(() => window.receive(61, 'stream 1')).toThrow(
      'HTTP/2 FLOW_CONTROL_ERROR: 61 octets of DATA on stream 1, whose window had 60 left',
    );
  });
});
