import { describe, expect, it } from 'vitest';
import { UnaryResponse } from '../../../../cni-shim/ipamd/unary-response.ts';
import { frameMessage } from '../../../../src/wire/framing.ts';
import { GRPC_STATUS } from '../../../../src/wire/grpc-status.ts';
import { HEALTH, type WireMethod } from '../../../../src/wire/methods.ts';

/** One call's answer, header block by header block and DATA by DATA, to its outcome. */

const SOCKET = '/run/ipamd.sock';
const HEADERS: [string, string][] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];
const SERVING = frameMessage(HEALTH.Check.response.encode({ status: 'SERVING' }));

function answer(blocks: { headers?: [string, string][]; data?: Uint8Array }[]) {
  const response = new UnaryResponse(HEALTH.Check as WireMethod<unknown, unknown>, SOCKET);
  for (const block of blocks) {
    if (block.headers) response.headers(block.headers);
    if (block.data) response.data(block.data);
  }
  return response.outcome();
}

describe('a unary answer', () => {
  it('headers, a message in two DATA frames, trailers: OK and the reply', () => {
    expect(
      answer([
        { headers: HEADERS },
        { data: SERVING.subarray(0, 3) },
        { data: SERVING.subarray(3) },
        { headers: [['grpc-status', '0']] },
      ]),
    ).toEqual({ status: GRPC_STATUS.OK, message: '', reply: { status: 'SERVING' } });
  });

  it('trailers-only: the status and the percent-decoded message from the only header block', () => {
    expect(
      answer([
        { headers: [...HEADERS, ['grpc-status', '9'], ['grpc-message', 'wrong%20version%0A']] },
      ]),
    ).toEqual({
      status: GRPC_STATUS.FAILED_PRECONDITION,
      message: 'wrong version\n',
      reply: undefined,
    });
  });

  it.each([
    [
      'OK without a message',
      [{ headers: HEADERS }, { headers: [['grpc-status', '0']] }],
      GRPC_STATUS.INTERNAL,
      '/grpc.health.v1.Health/Check: an OK answer without a message',
    ],
    [
      'a reply that does not decode',
      [
        { headers: HEADERS, data: frameMessage(Uint8Array.of(0x08, 0x80)) },
        { headers: [['grpc-status', '0']] },
      ],
      GRPC_STATUS.INTERNAL,
      'grpc.health.v1.HealthCheckResponse.status: truncated varint at byte 1',
    ],
    [
      'a message cut short',
      [{ headers: HEADERS, data: SERVING.subarray(0, 6) }, { headers: [['grpc-status', '0']] }],
      GRPC_STATUS.INTERNAL,
      'gRPC frame: the stream ended inside a message (1 of 2 bytes)',
    ],
    [
      'a compressed message',
      [
        { headers: HEADERS, data: Uint8Array.of(1, 0, 0, 0, 0) },
        { headers: [['grpc-status', '0']] },
      ],
      GRPC_STATUS.INTERNAL,
      'gRPC frame: a compressed message, but no compression was negotiated',
    ],
    [
      'a grpc-status that is not a number',
      [{ headers: [...HEADERS, ['grpc-status', 'OK'], ['grpc-message', 'fine']] }],
      GRPC_STATUS.UNKNOWN,
      'grpc-status "OK" is not a status code: fine',
    ],
    [
      'no grpc-status at all',
      [{ headers: HEADERS, data: SERVING }],
      GRPC_STATUS.UNAVAILABLE,
      'the stream ended without a grpc-status',
    ],
    [
      'HTTP 503 without a grpc-status',
      [{ headers: [[':status', '503']] }],
      GRPC_STATUS.UNAVAILABLE,
      `${SOCKET} answered HTTP status 503 without a grpc-status`,
    ],
  ] as const)('%s', (_name, blocks, status, message) => {
    expect(answer(blocks as never)).toEqual({ status, message, reply: undefined });
  });
});
