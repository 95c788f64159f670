/**
 * What a gRPC client reads from a call's trailers: `grpc-status` (one of these codes) and
 * `grpc-message`, which is percent-encoded UTF-8 on the wire (the gRPC over HTTP/2 protocol
 * document, "Status-Message"). The unknown-pod text, with its newline and tab, arrives encoded.
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The status message as the server wrote it. A value that is not valid percent-encoding is
 * returned as it came, as the protocol asks (never drop or fail on a status message).
 */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
