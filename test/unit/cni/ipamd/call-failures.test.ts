import { describe, expect, it } from 'vitest';
import { ERROR_CODE } from '../../../../cni-shim/h2/protocol-codes.ts';
import { abortFailure, httpStatusFailure } from '../../../../cni-shim/ipamd/call-failures.ts';
import { GRPC_STATUS } from '../../../../src/wire/grpc-status.ts';

const SOCKET = '/var/run/aws-node/ipamd.sock';

describe('RST_STREAM codes, as the gRPC over HTTP/2 protocol document maps them', () => {
  it.each([
    ['NO_ERROR', ERROR_CODE.NO_ERROR, GRPC_STATUS.INTERNAL],
    ['PROTOCOL_ERROR', ERROR_CODE.PROTOCOL_ERROR, GRPC_STATUS.INTERNAL],
    ['FLOW_CONTROL_ERROR', ERROR_CODE.FLOW_CONTROL_ERROR, GRPC_STATUS.INTERNAL],
    ['REFUSED_STREAM', ERROR_CODE.REFUSED_STREAM, GRPC_STATUS.UNAVAILABLE],
    ['CANCEL', ERROR_CODE.CANCEL, GRPC_STATUS.CANCELLED],
    ['ENHANCE_YOUR_CALM', ERROR_CODE.ENHANCE_YOUR_CALM, GRPC_STATUS.RESOURCE_EXHAUSTED],
    ['INADEQUATE_SECURITY', ERROR_CODE.INADEQUATE_SECURITY, GRPC_STATUS.PERMISSION_DENIED],
    ['error code 0x42', 0x42, GRPC_STATUS.INTERNAL],
  ])('%s', (name, code, status) => {
    expect(abortFailure(SOCKET, { kind: 'reset', code })).toEqual({
      status,
      message: `${SOCKET} reset the call's stream (RST_STREAM ${name})`,
    });
  });
});

describe('HTTP statuses without a grpc-status (the gRPC HTTP-to-status mapping)', () => {
  it.each([
    ['400', GRPC_STATUS.INTERNAL],
    ['401', GRPC_STATUS.UNAUTHENTICATED],
    ['403', GRPC_STATUS.PERMISSION_DENIED],
    ['404', GRPC_STATUS.UNIMPLEMENTED],
    ['429', GRPC_STATUS.UNAVAILABLE],
    ['502', GRPC_STATUS.UNAVAILABLE],
    ['503', GRPC_STATUS.UNAVAILABLE],
    ['504', GRPC_STATUS.UNAVAILABLE],
    ['500', GRPC_STATUS.UNKNOWN],
    ['302', GRPC_STATUS.UNKNOWN],
  ])('%s', (httpStatus, status) => {
    expect(httpStatusFailure(SOCKET, httpStatus)).toEqual({
      status,
      message: `${SOCKET} answered HTTP status ${httpStatus} without a grpc-status`,
    });
  });
});

describe('connections that fail', () => {
  const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

  it.each([
    [errno('ENOENT', 'connect ENOENT'), 'no such socket'],
    [errno('ECONNREFUSED', 'connect ECONNREFUSED'), 'connection refused'],
    [errno('EACCES', `connect EACCES ${SOCKET}`), `connect EACCES ${SOCKET}`],
  ])('connecting: %s', (error, why) => {
    expect(abortFailure(SOCKET, { kind: 'connect-failed', error })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `cannot connect to ${SOCKET}: ${why}`,
    });
  });

  it('lost with an error and a GOAWAY: both named', () => {
    expect(
      abortFailure(SOCKET, {
        kind: 'connection-lost',
        error: new Error('read ECONNRESET'),
        goaway: { lastStreamId: 3, code: ERROR_CODE.ENHANCE_YOUR_CALM, debug: 'too_many_pings' },
      }),
    ).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `the connection to ${SOCKET} closed before the answer was complete (GOAWAY ENHANCE_YOUR_CALM: too_many_pings; read ECONNRESET)`,
    });
  });
});
