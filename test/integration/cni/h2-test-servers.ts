import * as http2 from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { field } from '../../../src/wire/field-kinds.ts';
import { frameMessage } from '../../../src/wire/framing.ts';
import { type MessageCodec, messageCodec } from '../../../src/wire/message-codec.ts';
import type { WireMethod } from '../../../src/wire/methods.ts';

/**
 * Test-only servers for the plugin's HTTP/2 client: a plain node:http2 server that answers gRPC
 * by hand, so a test decides every header, frame and failure; and a proxy that records what the
 * server sent, so a test can show the server did what the case is about.
 */

export interface Text {
  text: string;
}

const textCodec: MessageCodec<Text> = messageCodec('test.Text', { text: field.string(1) });

/** A unary method of no real service: the server routes it by path. */
export function textMethod(name: string): WireMethod<Text, Text> {
  return {
    service: 'test.Echo',
    name,
    path: `/test.Echo/${name}`,
    request: textCodec,
    response: textCodec,
    responseStream: false,
  };
}

export type Route = (stream: http2.ServerHttp2Stream, request: Text) => void;

export interface PlainHttp2Server {
  readonly routes: Map<string, Route>;
  /** The sessions the server accepted, in order. */
  readonly sessions: http2.ServerHttp2Session[];
  /** Every stream's id and how it closed (its RST_STREAM code, 0 when it ended normally). */
  readonly closedStreams: { id: number; rstCode: number }[];
  close(): Promise<void>;
}

export async function startPlainHttp2Server(
  socketPath: string,
  options: http2.ServerOptions = {},
): Promise<PlainHttp2Server> {
  const routes = new Map<string, Route>();
  const sessions: http2.ServerHttp2Session[] = [];
  const closedStreams: { id: number; rstCode: number }[] = [];
  const server = http2.createServer(options);
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('close', () =>
      closedStreams.push({ id: stream.id ?? -1, rstCode: stream.rstCode ?? -1 }),
    );
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const route = routes.get(String(headers[':path']));
      if (!route) {
        respondStatus(stream, 12, 'no route');
        return;
      }
      route(stream, textCodec.decode(body.subarray(5)));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    routes,
    sessions,
    closedStreams,
    close: () =>
      new Promise((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A gRPC answer with one message and grpc-status 0 in the trailers. */
export function respondText(stream: http2.ServerHttp2Stream, text: string): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frameMessage(textCodec.encode({ text })));
}

/** A trailers-only answer: the status in the response headers, which end the stream. */
export function respondStatus(
  stream: http2.ServerHttp2Stream,
  code: number,
  message: string,
): void {
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
    },
    { endStream: true },
  );
}

/** Forwards connections from `listenPath` to `targetPath`, keeping what the server sent on each. */
export async function startRecordingProxy(
  listenPath: string,
  targetPath: string,
): Promise<{
  readonly fromServer: Buffer[][];
  /** Closes every connection at once, as a crashed server would: no GOAWAY, just EOF. */
  cut(): void;
  close(): Promise<void>;
}> {
  const fromServer: Buffer[][] = [];
  const sockets: Socket[] = [];
  const proxy: Server = createServer((client) => {
    const received: Buffer[] = [];
    fromServer.push(received);
    const upstream = connect(targetPath);
    sockets.push(client, upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      received.push(chunk);
      client.write(chunk);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(listenPath, resolve));
  return {
    fromServer,
    cut: () => {
      for (const socket of sockets.splice(0)) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}
