import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdClient } from '../../../src/rpc/client.ts';
import type { PodAllocatorPort } from '../../../src/rpc/pod-allocator-port.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';
import { CNI_BACKEND } from '../../../src/wire/methods.ts';

/** The one grpc-js client (tests, the demo, `vpc-ipamd probe`): deadlines, cancelAll, readiness. */

async function failureOf(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('IpamdClient', () => {
  let dir: string;
  let socketPath: string;
  let server: RunningGrpcServer | undefined;
  let client: IpamdClient | undefined;
  /** ADDs the server holds until their caller goes away; how many it saw go away. */
  let waiting = 0;
  let abandoned = 0;

  const allocator: PodAllocatorPort = {
    add: (request, signal) =>
      new Promise((resolve) => {
        if (request.key.containerID === 'quick') {
          resolve({ ok: false, reason: 'quick' });
          return;
        }
        waiting++;
        signal?.addEventListener('abort', () => {
          abandoned++;
          resolve({ ok: false, reason: 'gone' });
        });
      }),
    del: async () => ({ ok: false, failure: 'unknown-pod' }),
    gc: async () => ({ released: [], keptRecent: 0 }),
    networkPolicyFacts: () => {
      throw new Error('not under test');
    },
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipamd-client-'));
    socketPath = join(dir, 'ipamd.sock');
    waiting = 0;
    abandoned = 0;
    server = await startGrpcServer({
      socketPath,
      service: allocator,
      version: 'v0.1.0',
      logger: silentLogger(),
    });
    client = new IpamdClient(socketPath);
  });
  afterEach(async () => {
    client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function until(what: string, condition: () => boolean): Promise<void> {
    for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!condition()) throw new Error(`timed out waiting for ${what}`);
  }

  it('a call past its deadline fails DEADLINE_EXCEEDED and the server sees the caller go', async () => {
    const failure = await failureOf(client!.addNetwork({ ContainerID: 'slow' }, 100));
    expect(failure.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await until('the server to see the abort', () => abandoned === 1);
  });

  it('cancelAll cancels every call in flight; the client keeps working', async () => {
    const calls = [1, 2, 3].map((i) => failureOf(client!.addNetwork({ ContainerID: `c${i}` })));
    await until('three waiting ADDs', () => waiting === 3);
    client!.cancelAll();
    const failures = await Promise.all(calls);
    expect(failures.map((f) => f.code)).toEqual([
      grpc.status.CANCELLED,
      grpc.status.CANCELLED,
      grpc.status.CANCELLED,
    ]);
    await until('the server to see three aborts', () => abandoned === 3);
    expect((await client!.addNetwork({ ContainerID: 'quick' })).Success).toBe(false);
  });

  it('waitForReady resolves on a live socket and rejects when nothing listens', async () => {
    await client!.waitForReady(5_000);
    const absent = new IpamdClient(join(dir, 'absent.sock'));
    try {
      await expect(absent.waitForReady(200)).rejects.toThrow(/deadline/i);
    } finally {
      absent.close();
    }
  });

  it('after close, calls fail at once', async () => {
    client!.close();
    const failure = await failureOf(client!.addNetwork({ ContainerID: 'quick' }));
    expect(failure.message).toMatch(/Channel has been shut down/);
  });

  it('a reply it cannot decode fails INTERNAL, saying what was wrong', async () => {
    const rogue = new grpc.Server();
    rogue.addService(
      {
        AddNetwork: {
          path: CNI_BACKEND.AddNetwork.path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: Buffer) => value,
          requestDeserialize: (bytes: Buffer) => bytes,
          responseSerialize: (value: Buffer) => value,
          responseDeserialize: (bytes: Buffer) => bytes,
        },
      },
      {
        // A string field that claims 5 bytes and carries 1.
        AddNetwork: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) =>
          callback(null, Buffer.from([0x42, 5, 0x61])),
      },
    );
    const rogueSocket = join(dir, 'rogue.sock');
    await new Promise<void>((resolve, reject) =>
      rogue.bindAsync(`unix://${rogueSocket}`, grpc.ServerCredentials.createInsecure(), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    const rogueClient = new IpamdClient(rogueSocket);
    try {
      const failure = await failureOf(rogueClient.addNetwork({ ContainerID: 'x' }));
      expect(failure.code).toBe(grpc.status.INTERNAL);
      expect(failure.details).toBe(
        'Response message parsing error: rpc.AddNetworkReply.PodENIMAC: truncated: length-delimited value at byte 1 declares 5 bytes, 1 left',
      );
    } finally {
      rogueClient.close();
      rogue.forceShutdown();
    }
  });
});
