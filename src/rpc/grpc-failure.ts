import type * as grpc from '@grpc/grpc-js';

/** A call that ends with a gRPC error status rather than a reply (`details` is what the client reads). */
export class GrpcFailure extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, details: string) {
    super(details);
    this.name = 'GrpcFailure';
    this.code = code;
  }
}
