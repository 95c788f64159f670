import { mkdtempSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import type { PodAllocatorPort } from '../../../src/rpc/pod-allocator-port.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';
import { FrameReader, frameMessage } from '../../../src/wire/framing.ts';
import { decodeGrpcMessage, GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import type { MessageInit } from '../../../src/wire/message-codec.ts';
import { CNI_BACKEND, HEALTH, type WireMethod } from '../../../src/wire/methods.ts';
import { isUnknownPodError, UNKNOWN_POD_ERROR } from '../../../src/wire/reference-errors.ts';

/**
 * src/wire is enough to speak the daemon's gRPC without a gRPC library: a plain node:http2 client
 * with its method paths, message codecs, gRPC framing and status trailers, against the daemon's
 * grpc-js server. (The CNI plugin's own client, on its own HTTP/2, is tested in
 * test/integration/cni/grpc-unary-*.test.ts.)
 */

interface RawOutcome<Res> {
  readonly status: number;
  readonly message: string;
  readonly reply?: Res;
}

function rawUnary<Req, Res>(
  socketPath: string,
  method: WireMethod<Req, Res>,
  body: Uint8Array | MessageInit<Req>,
): Promise<RawOutcome<Res>> {
  const payload = body instanceof Uint8Array ? body : method.request.encode(body);
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', {
      createConnection: () => connect(socketPath),
    });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': method.path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const frames = new FrameReader();
    const messages: Uint8Array[] = [];
    let status: string | undefined;
    let message = '';
    const readStatus = (headers: http2.IncomingHttpHeaders) => {
      if (headers['grpc-status'] !== undefined) {
        status = String(headers['grpc-status']);
        message = decodeGrpcMessage(String(headers['grpc-message'] ?? ''));
      }
    };
    stream.on('response', readStatus); // a trailers-only answer carries the status here
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => messages.push(...frames.push(chunk)));
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      try {
        frames.end();
        if (status === undefined) throw new Error('no grpc-status');
        const [first] = messages;
        resolve({
          status: Number(status),
          message,
          ...(first ? { reply: method.response.decode(first) } : {}),
        });
      } catch (error) {
        reject(error);
      }
    });
    stream.end(frameMessage(payload));
  });
}

describe('a plain node:http2 client built on src/wire, against the grpc-js server', () => {
  let dir: string;
  let server: RunningGrpcServer;
  let socketPath: string;
  const allocator: PodAllocatorPort = {
    add: async (request) => ({
      ok: true,
      addresses: [{ ipv4: '10.0.0.9', deviceNumber: 1, routeTableId: 2 }],
      externalSnat: false,
      vpcIpv4Cidrs: ['10.0.0.0/16'],
      networkPolicyMode: request.pod.name,
    }),
    del: async () => ({ ok: false, failure: 'unknown-pod' }),
    gc: async () => ({ released: [], keptRecent: 0 }),
    networkPolicyFacts: () => {
      throw new Error('not under test');
    },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipamd-http2-'));
    socketPath = join(dir, 'ipamd.sock');
    server = await startGrpcServer({
      socketPath,
      service: allocator,
      version: 'v0.1.0',
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('AddNetwork: status OK and the decoded reply', async () => {
    const outcome = await rawUnary(socketPath, CNI_BACKEND.AddNetwork, {
      ClientVersion: '',
      K8S_POD_NAME: 'pöd',
      ContainerID: 'c',
      IfName: 'eth0',
      NetworkName: 'aws-cni',
    });
    expect(outcome.status).toBe(GRPC_STATUS.OK);
    expect(outcome.reply).toMatchObject({
      Success: true,
      IPAllocationMetadata: [
        { IPv4Addr: '10.0.0.9', IPv6Addr: '', DeviceNumber: 1, RouteTableId: 2 },
      ],
      NetworkPolicyMode: 'pöd',
    });
  });

  it('DelNetwork of an unknown pod: UNKNOWN and the reference text, decoded from grpc-message', async () => {
    const outcome = await rawUnary(socketPath, CNI_BACKEND.DelNetwork, { ContainerID: 'c' });
    expect(outcome.status).toBe(GRPC_STATUS.UNKNOWN);
    expect(outcome.message).toBe(UNKNOWN_POD_ERROR);
    expect(isUnknownPodError(outcome.message)).toBe(true);
    expect(outcome.reply).toBeUndefined();
  });

  it('a request the server cannot decode: INTERNAL with what was wrong', async () => {
    const outcome = await rawUnary(
      socketPath,
      CNI_BACKEND.AddNetwork,
      new Uint8Array([0x3a, 5, 0x63]),
    );
    expect(outcome.status).toBe(GRPC_STATUS.INTERNAL);
    expect(outcome.message).toBe(
      'cannot decode the request: rpc.AddNetworkRequest.ContainerID: truncated: length-delimited value at byte 1 declares 5 bytes, 1 left',
    );
  });

  it('health Check', async () => {
    const outcome = await rawUnary(socketPath, HEALTH.Check, {
      service: 'grpc.health.v1.aws-node',
    });
    expect(outcome).toMatchObject({ status: GRPC_STATUS.OK, reply: { status: 'SERVING' } });
    const bad = await rawUnary(socketPath, HEALTH.Check, new Uint8Array([0x0a, 9]));
    expect(bad.status).toBe(GRPC_STATUS.INTERNAL);
    expect(bad.message).toBe(
      'cannot decode the request: grpc.health.v1.HealthCheckRequest.service: truncated: length-delimited value at byte 1 declares 9 bytes, 0 left',
    );
  });
});
