import { FrameReader } from '../../src/wire/framing.ts';
import { decodeGrpcMessage, GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import type { WireMethod } from '../../src/wire/methods.ts';
import { type HeaderField, headerValue } from '../h2/hpack/header-field.ts';
import { httpStatusFailure } from './call-failures.ts';
import type { UnaryOutcome } from './unary-channel.ts';

/**
 * Reads one unary call's answer as it arrives on its stream — response headers, length-prefixed
 * messages in DATA, trailers — and turns it into the call's outcome when the stream ends. A
 * trailers-only answer (how gRPC servers send errors) carries grpc-status in its only header
 * block; grpc-message is percent-encoded.
 */
export class UnaryResponse<Res> {
  private readonly method: WireMethod<unknown, Res>;
  private readonly socketPath: string;
  private readonly frames = new FrameReader();
  private readonly messages: Uint8Array[] = [];
  private httpStatus: string | undefined;
  private grpcStatus: string | undefined;
  private grpcMessage = '';
  /** A message frame that cannot be read: the reply does not decode. */
  private unreadable: string | undefined;

  constructor(method: WireMethod<unknown, Res>, socketPath: string) {
    this.method = method;
    this.socketPath = socketPath;
  }

  headers(fields: readonly HeaderField[]): void {
    this.httpStatus ??= headerValue(fields, ':status');
    const status = headerValue(fields, 'grpc-status');
    if (status === undefined) return;
    this.grpcStatus = status;
    this.grpcMessage = decodeGrpcMessage(headerValue(fields, 'grpc-message') ?? '');
  }

  data(bytes: Uint8Array): void {
    if (this.unreadable !== undefined) return;
    try {
      this.messages.push(...this.frames.push(bytes));
    } catch (error) {
      this.unreadable = (error as Error).message;
    }
  }

  /** The outcome once the server ended the stream. */
  outcome(): UnaryOutcome<Res> {
    if (this.grpcStatus === undefined) {
      if (this.httpStatus !== undefined && this.httpStatus !== '200') {
        return { ...httpStatusFailure(this.socketPath, this.httpStatus), reply: undefined };
      }
      return {
        status: GRPC_STATUS.UNAVAILABLE,
        message: 'the stream ended without a grpc-status',
        reply: undefined,
      };
    }
    const status = Number(this.grpcStatus);
    if (!/^\d+$/.test(this.grpcStatus)) {
      return {
        status: GRPC_STATUS.UNKNOWN,
        message: `grpc-status "${this.grpcStatus}" is not a status code: ${this.grpcMessage}`,
        reply: undefined,
      };
    }
    if (status !== GRPC_STATUS.OK) return { status, message: this.grpcMessage, reply: undefined };
    try {
      if (this.unreadable !== undefined) throw new Error(this.unreadable);
      this.frames.end();
      const [first] = this.messages;
      if (!first) throw new Error(`${this.method.path}: an OK answer without a message`);
      return { status, message: this.grpcMessage, reply: this.method.response.decode(first) };
    } catch (error) {
      return { status: GRPC_STATUS.INTERNAL, message: (error as Error).message, reply: undefined };
    }
  }
}
