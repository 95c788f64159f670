import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Http2FrameReader } from '../../../cni-shim/h2/frame-reader.ts';
import { FRAME } from '../../../cni-shim/h2/protocol-codes.ts';
import { GrpcUnixChannel } from '../../../cni-shim/ipamd/grpc-unary.ts';
import { frameMessage } from '../../../src/wire/framing.ts';
import { GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import {
  type PlainHttp2Server,
  respondStatus,
  respondText,
  startPlainHttp2Server,
  startRecordingProxy,
  textMethod,
} from './h2-test-servers.ts';

/**
 * The plugin's HTTP/2 client against a plain node:http2 server that does what grpc-js servers
 * rarely do on their own: Huffman-coded and dynamic-table-indexed headers over several answers on
 * one connection, header blocks in CONTINUATION frames, PING, SETTINGS changed between calls, a
 * reply far larger than the default 64 KiB window, RST_STREAM, GOAWAY, a socket closed mid-reply,
 * a server that never answers. The server sits behind a proxy that records its bytes, so each case
 * can show the server really did what the case is about.
 */

const { constants } = http2;
const ECHO = textMethod('Echo');

let dir: string;
let server: PlainHttp2Server;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let socketPath: string;
let channel: GrpcUnixChannel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cni-h2-'));
  server = await startPlainHttp2Server(join(dir, 'server.sock'), {
    maxSendHeaderBlockLength: 1 << 20,
  });
  socketPath = join(dir, 'proxy.sock');
  proxy = await startRecordingProxy(socketPath, join(dir, 'server.sock'));
  server.routes.set(ECHO.path, (stream, request) =>
    respondText(stream, `got ${request.text.length} characters`),
  );
});
afterAll(async () => {
  await proxy.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

let sessionsBefore = 0;
let connectionsBefore = 0;
beforeEach(() => {
  sessionsBefore = server.sessions.length;
  connectionsBefore = proxy.fromServer.length;
  channel = new GrpcUnixChannel(socketPath);
});
afterEach(() => channel.close());

/** The frames the server sent on the test's `n`th connection. */
function serverFrames(n = 0) {
  const bytes = Buffer.concat(proxy.fromServer[connectionsBefore + n]!);
  return new Http2FrameReader(1 << 24).push(bytes);
}

/** The header blocks the server sent, HEADERS and CONTINUATION fragments joined. */
function serverHeaderBlocks(n = 0): Buffer[] {
  const blocks: Buffer[] = [];
  let open: Buffer[] = [];
  for (const frame of serverFrames(n)) {
    if (frame.type !== FRAME.HEADERS && frame.type !== FRAME.CONTINUATION) continue;
    open.push(Buffer.from(frame.payload));
    if (frame.flags & 0x4) {
      blocks.push(Buffer.concat(open));
      open = [];
    }
  }
  return blocks;
}

const sessionsOpened = () => server.sessions.length - sessionsBefore;

describe('headers', () => {
  it('Huffman-coded, then dynamic-table-indexed headers over three answers on one connection', async () => {
    const method = textMethod('Missing');
    const message = 'pod default/web-1 is not in the datastore';
    server.routes.set(method.path, (stream) =>
      respondStatus(stream, GRPC_STATUS.NOT_FOUND, message),
    );
    for (let i = 0; i < 3; i++) {
      expect(await channel.call(method, { text: '' })).toEqual({
        status: GRPC_STATUS.NOT_FOUND,
        message,
        reply: undefined,
      });
    }
    expect(sessionsOpened()).toBe(1);
    expect(server.closedStreams.slice(-3).map((s) => s.id)).toEqual([1, 3, 5]);
    const [first, second, third] = serverHeaderBlocks();
    // The first answer spells the message in Huffman code, not in ASCII …
    expect(first!.includes('datastore')).toBe(false);
    expect(first!.includes('grpc-message')).toBe(false);
    // … and the next ones name it by its place in the dynamic table: a few octets each.
    expect(second!.length).toBeLessThan(first!.length / 4);
    expect(third!.length).toBe(second!.length);
  });

  it('a header block longer than a frame, in HEADERS and CONTINUATION frames', async () => {
    const method = textMethod('BigHeaders');
    const padding = randomBytes(45_000).toString('base64');
    server.routes.set(method.path, (stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'x-padding': padding },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frameMessage(ECHO.response.encode({ text: 'after the continuation' })));
    });
    expect(await channel.call(method, { text: '' })).toEqual({
      status: GRPC_STATUS.OK,
      message: '',
      reply: { text: 'after the continuation' },
    });
    const types = serverFrames().map((frame) => frame.type);
    expect(types.filter((type) => type === FRAME.CONTINUATION).length).toBeGreaterThanOrEqual(2);
  });
});

describe('connection-level frames', () => {
  it('a PING from the server is answered with its payload', async () => {
    const method = textMethod('Ping');
    let echoed: Buffer | undefined;
    server.routes.set(method.path, (stream) => {
      stream.session!.ping(Buffer.from('pingpong'), (error, _ms, payload) => {
        echoed = error ? undefined : payload;
        respondText(stream, 'after the ping');
      });
    });
    expect((await channel.call(method, { text: '' })).reply).toEqual({ text: 'after the ping' });
    expect(echoed?.toString()).toBe('pingpong');
  });

  it('SETTINGS changed between calls: a 0-octet header table and a 1000-octet window', async () => {
    const method = textMethod('Settings');
    server.routes.set(method.path, (stream) => {
      // Answers once the client acknowledged, so its next request must follow the new settings.
      stream.session!.settings(
        { headerTableSize: 0, initialWindowSize: 1000, maxFrameSize: 20_000 },
        () => respondText(stream, 'settled'),
      );
    });
    expect((await channel.call(method, { text: '' })).reply).toEqual({ text: 'settled' });
    // nghttp2 refuses a header block that does not begin with the size update the change asks
    // for, and the 30 kB request needs the server's WINDOW_UPDATEs to get through.
    const text = 'x'.repeat(30_000);
    expect((await channel.call(ECHO, { text }, 10_000)).reply).toEqual({
      text: 'got 30000 characters',
    });
    expect((await channel.call(ECHO, { text: 'again' })).reply).toEqual({
      text: 'got 5 characters',
    });
    expect(sessionsOpened()).toBe(1);
  });

  it('a reply of 3 MiB: our windows are handed back as it arrives, so it never stalls', async () => {
    const method = textMethod('Big');
    const text = randomBytes(3 << 19).toString('hex'); // 3 MiB of text
    server.routes.set(method.path, (stream) => respondText(stream, text));
    const outcome = await channel.call(method, { text: '' }, 20_000);
    expect(outcome.status).toBe(GRPC_STATUS.OK);
    expect(outcome.reply?.text).toBe(text);
    const updates = serverFrames().filter((frame) => frame.type === FRAME.DATA).length;
    expect(updates).toBeGreaterThan((3 << 20) >> 14); // it came in 16 KiB frames
  });
});

describe('streams and connections that end early', () => {
  it.each([
    ['REFUSED_STREAM', constants.NGHTTP2_REFUSED_STREAM, GRPC_STATUS.UNAVAILABLE],
    ['CANCEL', constants.NGHTTP2_CANCEL, GRPC_STATUS.CANCELLED],
    ['INTERNAL_ERROR', constants.NGHTTP2_INTERNAL_ERROR, GRPC_STATUS.INTERNAL],
  ])(
    'RST_STREAM %s: the status gRPC maps it to; the connection serves on',
    async (name, code, status) => {
      const method = textMethod(`Reset${name}`);
      server.routes.set(method.path, (stream) => stream.close(code));
      expect(await channel.call(method, { text: '' })).toEqual({
        status,
        message: `${socketPath} reset the call's stream (RST_STREAM ${name})`,
        reply: undefined,
      });
      expect((await channel.call(ECHO, { text: 'next' })).reply).toEqual({
        text: 'got 4 characters',
      });
      expect(sessionsOpened()).toBe(1);
    },
  );

  it('GOAWAY after an answer: the next call opens a new connection', async () => {
    const method = textMethod('Drain');
    server.routes.set(method.path, (stream) => {
      respondText(stream, 'last one here');
      stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id!);
    });
    expect((await channel.call(method, { text: '' })).reply).toEqual({ text: 'last one here' });
    expect((await channel.call(ECHO, { text: 'elsewhere' })).reply).toEqual({
      text: 'got 9 characters',
    });
    expect(sessionsOpened()).toBe(2);
  });

  it('GOAWAY that leaves the call out: UNAVAILABLE with the server’s reason', async () => {
    const method = textMethod('GoawayRefuses');
    server.routes.set(method.path, (stream) => {
      stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id! - 2, Buffer.from('draining'));
    });
    expect((await channel.call(ECHO, { text: '' })).status).toBe(GRPC_STATUS.OK);
    expect(await channel.call(method, { text: '' })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `${socketPath} is going away (GOAWAY NO_ERROR: draining) and did not take the call`,
      reply: undefined,
    });
  });

  it.each([
    ['the socket closes (a crash)', 'Crash', '', (_session: http2.Http2Session) => proxy.cut()],
    [
      'the server destroys its session (GOAWAY, then the socket closes)',
      'Destroy',
      ' (GOAWAY NO_ERROR)',
      (session: http2.Http2Session) => session.destroy(),
    ],
  ])('in the middle of a reply %s: UNAVAILABLE', async (_name, route, why, end) => {
    const method = textMethod(route);
    server.routes.set(method.path, (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const half = frameMessage(ECHO.response.encode({ text: 'never all of it' })).subarray(0, 8);
      stream.write(half, () => setTimeout(() => end(stream.session!), 20));
    });
    expect(await channel.call(method, { text: '' })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `the connection to ${socketPath} closed before the answer was complete${why}`,
      reply: undefined,
    });
  });

  it('a server that never answers: DEADLINE_EXCEEDED, and the stream is cancelled', async () => {
    const method = textMethod('Silent');
    server.routes.set(method.path, () => undefined);
    expect(await channel.call(method, { text: '' }, 300)).toEqual({
      status: GRPC_STATUS.DEADLINE_EXCEEDED,
      message: `no answer from ${socketPath} within 300 ms`,
      reply: undefined,
    });
    await vi.waitFor(() =>
      expect(server.closedStreams.at(-1)).toEqual({ id: 1, rstCode: constants.NGHTTP2_CANCEL }),
    );
  });

  it('close() while a call waits: the call ends UNAVAILABLE', async () => {
    const method = textMethod('Silent');
    server.routes.set(method.path, () => undefined);
    const pending = channel.call(method, { text: '' });
    await vi.waitFor(() => expect(sessionsOpened()).toBe(1));
    channel.close();
    expect(await pending).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `the channel to ${socketPath} was closed`,
      reply: undefined,
    });
  });
});

describe('calls that never reach a server', () => {
  it('a call after close(): UNAVAILABLE, and no connection is opened', async () => {
    channel.close();
    expect(await channel.call(ECHO, { text: '' })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `the channel to ${socketPath} was closed`,
      reply: undefined,
    });
    expect(sessionsOpened()).toBe(0);
  });

  it('a request that does not encode: INTERNAL naming the field, and nothing is sent', async () => {
    expect(await channel.call(ECHO, { text: 5 as never })).toEqual({
      status: GRPC_STATUS.INTERNAL,
      message: 'test.Text.text: expected a string, got number 5',
      reply: undefined,
    });
    expect(sessionsOpened()).toBe(0);
  });
});

describe('answers that are HTTP but not gRPC', () => {
  it('HTTP 404 without a grpc-status: UNIMPLEMENTED', async () => {
    const method = textMethod('NotFound');
    server.routes.set(method.path, (stream) =>
      stream.respond({ ':status': 404 }, { endStream: true }),
    );
    expect(await channel.call(method, { text: '' })).toEqual({
      status: GRPC_STATUS.UNIMPLEMENTED,
      message: `${socketPath} answered HTTP status 404 without a grpc-status`,
      reply: undefined,
    });
  });

  it('HTTP 200 that ends without a grpc-status: UNAVAILABLE', async () => {
    const method = textMethod('NoStatus');
    server.routes.set(method.path, (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end(frameMessage(ECHO.response.encode({ text: 'orphan' })));
    });
    expect(await channel.call(method, { text: '' })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: 'the stream ended without a grpc-status',
      reply: undefined,
    });
  });
});
