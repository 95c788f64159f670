import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { FrameReader, frameMessage } from '../../src/wire/framing.ts';
import { decodeGrpcMessage, GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import type { MessageInit } from '../../src/wire/message-codec.ts';
import type { WireMethod } from '../../src/wire/methods.ts';

/**
 * A unary gRPC call over node:http2 on a Unix socket, built on src/wire alone: the plugin starts
 * once per pod, and loading a gRPC library would cost it ~100 ms each time. node:http2 itself is
 * loaded only when a call is made (VERSION never pays for it).
 */

export interface UnaryOutcome<Res> {
  /** grpc-status: 0 is OK. Connection failures are UNAVAILABLE, a deadline DEADLINE_EXCEEDED. */
  readonly status: number;
  readonly message: string;
  readonly reply: Res | undefined;
}

/** Unary calls to one gRPC server; the plugin's commands see only this. */
export interface UnaryChannel {
  call<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
    deadlineMs?: number,
  ): Promise<UnaryOutcome<Res>>;
  close(): void;
}

/** One HTTP/2 connection to one socket, for the few calls of one plugin invocation. */
export class GrpcUnixChannel implements UnaryChannel {
  private readonly socketPath: string;
  private session: Promise<ClientHttp2Session> | undefined;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  /**
   * Calls `method`. Never rejects: every failure is an outcome with a status, as a gRPC client's
   * would be. `deadlineMs` bounds the whole call, connecting included.
   */
  async call<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
    deadlineMs?: number,
  ): Promise<UnaryOutcome<Res>> {
    let timer: NodeJS.Timeout | undefined;
    const deadline =
      deadlineMs === undefined
        ? undefined
        : new Promise<UnaryOutcome<Res>>((resolve) => {
            timer = setTimeout(
              () =>
                resolve({
                  status: GRPC_STATUS.DEADLINE_EXCEEDED,
                  message: `no answer from ${this.socketPath} within ${deadlineMs} ms`,
                  reply: undefined,
                }),
              deadlineMs,
            );
          });
    try {
      const attempt = this.attempt(method, request);
      return await (deadline ? Promise.race([attempt, deadline]) : attempt);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  close(): void {
    const session = this.session;
    this.session = undefined;
    session?.then((s) => s.destroy()).catch(() => undefined);
  }

  private connect(): Promise<ClientHttp2Session> {
    this.session ??= (async () => {
      const [http2, net] = await Promise.all([import('node:http2'), import('node:net')]);
      return new Promise<ClientHttp2Session>((resolve, reject) => {
        const session = http2.connect('http://localhost', {
          createConnection: () => net.connect(this.socketPath),
        });
        session.once('connect', () => resolve(session));
        session.once('error', reject);
      });
    })();
    return this.session;
  }

  private async attempt<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
  ): Promise<UnaryOutcome<Res>> {
    let session: ClientHttp2Session;
    try {
      session = await this.connect();
    } catch (error) {
      this.session = undefined;
      return unavailable(this.socketPath, error);
    }
    return new Promise((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': method.path,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const frames = new FrameReader();
      const messages: Uint8Array[] = [];
      let status: number | undefined;
      let message = '';
      let failure: string | undefined;
      const readStatus = (headers: IncomingHttpHeaders) => {
        if (headers['grpc-status'] !== undefined) {
          status = Number(headers['grpc-status']);
          message = decodeGrpcMessage(String(headers['grpc-message'] ?? ''));
        }
      };
      // A trailers-only answer (an error) carries its status in the response headers.
      stream.on('response', readStatus);
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        try {
          messages.push(...frames.push(chunk));
        } catch (error) {
          failure = (error as Error).message;
        }
      });
      stream.on('error', (error) => {
        failure ??= error.message;
      });
      stream.on('close', () => {
        if (failure === undefined && status === undefined) {
          failure = 'the stream ended without a grpc-status';
        }
        if (failure !== undefined) {
          resolve({ status: GRPC_STATUS.UNAVAILABLE, message: failure, reply: undefined });
          return;
        }
        if (status !== GRPC_STATUS.OK) {
          resolve({ status: status ?? GRPC_STATUS.UNKNOWN, message, reply: undefined });
          return;
        }
        try {
          frames.end();
          const [first] = messages;
          if (!first) throw new Error(`${method.path}: an OK answer without a message`);
          resolve({ status, message, reply: method.response.decode(first) });
        } catch (error) {
          resolve({
            status: GRPC_STATUS.INTERNAL,
            message: (error as Error).message,
            reply: undefined,
          });
        }
      });
      stream.end(frameMessage(method.request.encode(request)));
    });
  }
}

function unavailable<Res>(socketPath: string, error: unknown): UnaryOutcome<Res> {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such socket'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : (error as Error).message;
  return {
    status: GRPC_STATUS.UNAVAILABLE,
    message: `cannot connect to ${socketPath}: ${why}`,
    reply: undefined,
  };
}
