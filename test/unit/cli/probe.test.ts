import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';

const run = promisify(execFile);

async function probe(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/vpc-ipamd.js', 'probe', ...args], {
      env: { PATH: process.env.PATH },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('vpc-ipamd probe (grpc-health-probe exit codes)', () => {
  let dir: string;
  let server: RunningGrpcServer;
  let bare: grpc.Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipamd-probe-'));
    server = await startGrpcServer({
      socketPath: join(dir, 'ipamd.sock'),
      service: {
        add: async () => ({ ok: false, reason: 'not under test' }),
        del: async () => ({ ok: false, failure: 'unknown-pod' }),
        gc: async () => ({ released: [], keptRecent: 0 }),
        networkPolicyFacts: () => ({
          networkPolicyMode: '',
          multiNicEnabled: false,
          nodeIpv4: '',
          nodeIpv6: '',
          instanceId: '',
          region: '',
        }),
      },
      version: 'v1.0.0',
      logger: silentLogger(),
    });
    // A gRPC server without the health service: connecting works, the RPC fails.
    bare = new grpc.Server();
    await new Promise<void>((resolve, reject) =>
      bare.bindAsync(
        `unix://${join(dir, 'bare.sock')}`,
        grpc.ServerCredentials.createInsecure(),
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  });

  afterAll(async () => {
    await server.close();
    bare.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('0 when serving', async () => {
    const result = await probe('--socket', join(dir, 'ipamd.sock'));
    expect(result).toMatchObject({ code: 0, stdout: 'status: SERVING\n' });
  });

  it('4 when not serving', async () => {
    server.health.set('NOT_SERVING');
    try {
      const result = await probe('--socket', join(dir, 'ipamd.sock'));
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('NOT_SERVING');
    } finally {
      server.health.set('SERVING');
    }
  });

  it('3 when the health RPC fails', async () => {
    const result = await probe('--socket', join(dir, 'bare.sock'));
    expect(result.code).toBe(3);
  });

  it('2 when nothing listens on the socket', async () => {
    const result = await probe('--socket', join(dir, 'absent.sock'), '--connect-timeout', '0.5');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('failed to connect');
  });

  it('1 on bad arguments', async () => {
    expect((await probe('--sockett', 'x')).code).toBe(1);
    expect((await probe('--connect-timeout', 'soon')).code).toBe(1);
  });
});
