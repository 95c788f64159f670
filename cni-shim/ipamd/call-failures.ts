import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import { describeGoaway } from '../h2/frame-payloads.ts';
import { ERROR_CODE, errorCodeName } from '../h2/protocol-codes.ts';
import type { StreamAbort } from '../h2/stream-events.ts';

/**
 * The status and message of a call that ended without a grpc-status: the socket, the connection
 * or the stream failed, or the server answered HTTP without gRPC. The codes follow the gRPC over
 * HTTP/2 protocol document ("Errors") and its HTTP-to-gRPC status mapping, as grpc-go — the
 * reference plugin's client — applies them. What the plugin's commands branch on: UNAVAILABLE
 * (DEL then tears down from prevResult) for anything that says "try again".
 */

export interface CallFailure {
  readonly status: number;
  readonly message: string;
}

export function connectFailure(socketPath: string, error: Error): CallFailure {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such socket'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : error.message;
  return { status: GRPC_STATUS.UNAVAILABLE, message: `cannot connect to ${socketPath}: ${why}` };
}

export function abortFailure(socketPath: string, reason: StreamAbort): CallFailure {
  switch (reason.kind) {
    case 'connect-failed':
      return connectFailure(socketPath, reason.error);
    case 'reset':
      return {
        status: statusOfReset(reason.code),
        message: `${socketPath} reset the call's stream (RST_STREAM ${errorCodeName(reason.code)})`,
      };
    case 'refused':
      return {
        status: GRPC_STATUS.UNAVAILABLE,
        message: `${socketPath} is going away (${describeGoaway(reason.goaway)}) and did not take the call`,
      };
    case 'connection-lost': {
      const why = [
        reason.goaway ? describeGoaway(reason.goaway) : undefined,
        reason.error?.message,
      ].filter((part) => part !== undefined);
      return {
        status: GRPC_STATUS.UNAVAILABLE,
        message: `the connection to ${socketPath} closed before the answer was complete${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
      };
    }
    case 'protocol-error':
      return {
        status: GRPC_STATUS.INTERNAL,
        message: `${socketPath} broke the protocol: ${reason.error.message}`,
      };
    case 'closed':
      return {
        status: GRPC_STATUS.UNAVAILABLE,
        message: `the channel to ${socketPath} was closed`,
      };
  }
}

function statusOfReset(code: number): number {
  switch (code) {
    case ERROR_CODE.REFUSED_STREAM:
      return GRPC_STATUS.UNAVAILABLE;
    case ERROR_CODE.CANCEL:
      return GRPC_STATUS.CANCELLED;
    case ERROR_CODE.ENHANCE_YOUR_CALM:
      return GRPC_STATUS.RESOURCE_EXHAUSTED;
    case ERROR_CODE.INADEQUATE_SECURITY:
      return GRPC_STATUS.PERMISSION_DENIED;
    default:
      return GRPC_STATUS.INTERNAL;
  }
}

/** An HTTP status other than 200 without a grpc-status: a proxy or a server that is not gRPC. */
export function httpStatusFailure(socketPath: string, httpStatus: string): CallFailure {
  return {
    status: statusOfHttp(Number(httpStatus)),
    message: `${socketPath} answered HTTP status ${httpStatus} without a grpc-status`,
  };
}

function statusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}
