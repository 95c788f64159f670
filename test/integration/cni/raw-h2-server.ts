import { createServer, type Server, type Socket } from 'node:net';
import { type Http2Frame, Http2FrameReader } from '../../../cni-shim/h2/frame-reader.ts';
import { encodeFrame, settingsFrame } from '../../../cni-shim/h2/frame-writer.ts';
import { FLAG, FRAME } from '../../../cni-shim/h2/protocol-codes.ts';

/**
 * Test-only: an HTTP/2 "server" that answers each request with whatever bytes the test writes,
 * well-formed or not, and keeps every frame the client sent. It greets with an empty SETTINGS
 * frame unless told not to.
 */
export interface RawHttp2Server {
  /** Called when a request's last DATA frame arrives; writes the answer. */
  answer: (socket: Socket, streamId: number) => void;
  greet: boolean;
  /** Every frame the client sent, on every connection. */
  readonly received: Http2Frame[];
  close(): Promise<void>;
}

const PREFACE_OCTETS = 24;

export async function startRawHttp2Server(socketPath: string): Promise<RawHttp2Server> {
  const sockets: Socket[] = [];
  const raw: RawHttp2Server = {
    answer: () => undefined,
    greet: true,
    received: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    if (raw.greet) socket.write(settingsFrame([]));
    const reader = new Http2FrameReader(1 << 24);
    let preface = PREFACE_OCTETS;
    socket.on('data', (chunk: Buffer) => {
      const skipped = Math.min(preface, chunk.length);
      preface -= skipped;
      for (const frame of reader.push(chunk.subarray(skipped))) {
        raw.received.push(frame);
        if (frame.type === FRAME.DATA && frame.flags & FLAG.END_STREAM) {
          raw.answer(socket, frame.streamId);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return raw;
}

/** Bytes from hex, spaces allowed (as RFC 7541's examples print them). */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

export { encodeFrame };
