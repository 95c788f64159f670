import type { MessageInit } from '../../src/wire/message-codec.ts';
import type { WireMethod } from '../../src/wire/methods.ts';

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
