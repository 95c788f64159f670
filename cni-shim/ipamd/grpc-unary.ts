import type { Socket } from 'node:net';
import { frameMessage } from '../../src/wire/framing.ts';
import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import type { MessageInit } from '../../src/wire/message-codec.ts';
import type { WireMethod } from '../../src/wire/methods.ts';
import { Http2ClientConnection } from '../h2/connection.ts';
import type { HeaderField } from '../h2/hpack/header-field.ts';
import type { ClientStream } from '../h2/stream-events.ts';
import { abortFailure } from './call-failures.ts';
import type { UnaryChannel, UnaryOutcome } from './unary-channel.ts';
import { UnaryResponse } from './unary-response.ts';

/**
 * Unary gRPC calls over our own HTTP/2 client (cni-shim/h2) on a Unix socket, built on src/wire:
 * the plugin starts once per pod, and a gRPC library would cost it ~100 ms each time, node:http2
 * alone 16–27 ms. One connection, opened at the first call, serves the calls of one run.
 */

/** node:net (and the streams under it) takes ~4 ms to load in a fresh process: VERSION never pays. */
let net: Promise<typeof import('node:net')> | undefined;
const loadNet = () => {
  net ??= import('node:net');
  return net;
};
export class GrpcUnixChannel implements UnaryChannel {
  private readonly socketPath: string;
  private current: Http2ClientConnection | undefined;
  private closed = false;
  /** Every connection opened; one the server sent away finishes its calls before it closes. */
  private readonly connections: Http2ClientConnection[] = [];

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  /**
   * Calls `method`. Never rejects: every failure is an outcome with a status, as a gRPC client's
   * would be. `deadlineMs` bounds the whole call, connecting included.
   */
  call<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
    deadlineMs?: number,
  ): Promise<UnaryOutcome<Res>> {
    return new Promise((resolve) => {
      let body: Uint8Array;
      try {
        body = frameMessage(method.request.encode(request));
      } catch (error) {
        resolve({
          status: GRPC_STATUS.INTERNAL,
          message: (error as Error).message,
          reply: undefined,
        });
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      let stream: ClientStream | undefined;
      let settled = false;
      const settle = (outcome: UnaryOutcome<Res>) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(outcome);
      };
      if (deadlineMs !== undefined) {
        timer = setTimeout(() => {
          stream?.cancel();
          settle({
            status: GRPC_STATUS.DEADLINE_EXCEEDED,
            message: `no answer from ${this.socketPath} within ${deadlineMs} ms`,
            reply: undefined,
          });
        }, deadlineMs);
      }
      const response = new UnaryResponse(method as WireMethod<unknown, Res>, this.socketPath);
      loadNet().then(({ connect }) => {
        if (settled) return;
        if (this.closed) {
          settle({ ...abortFailure(this.socketPath, { kind: 'closed' }), reply: undefined });
          return;
        }
        stream = this.connection(connect).request(requestHeaders(method.path), body, {
          headers: (fields, endStream) => {
            response.headers(fields);
            if (endStream) settle(response.outcome());
          },
          data: (bytes, endStream) => {
            response.data(bytes);
            if (endStream) settle(response.outcome());
          },
          aborted: (reason) =>
            settle({ ...abortFailure(this.socketPath, reason), reply: undefined }),
        });
      });
    });
  }

  /** Ends every call still waiting (UNAVAILABLE) and every connection; later calls fail alike. */
  close(): void {
    this.closed = true;
    for (const connection of this.connections.splice(0)) connection.close();
    this.current = undefined;
  }

  private connection(connect: (path: string) => Socket): Http2ClientConnection {
    if (!this.current?.usable) {
      this.current = new Http2ClientConnection(connect(this.socketPath));
      this.connections.push(this.current);
    }
    return this.current;
  }
}

/** What a gRPC server expects of a request (the gRPC over HTTP/2 protocol document, "Requests"). */
function requestHeaders(path: string): HeaderField[] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
}
