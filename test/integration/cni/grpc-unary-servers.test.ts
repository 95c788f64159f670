import { linkSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GrpcUnixChannel } from '../../../cni-shim/ipamd/grpc-unary.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';
import { VERSION } from '../../../src/version.ts';
import { GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import {
  CNI_BACKEND,
  HEALTH,
  NP_BACKEND,
  POD_ALLOCATIONS,
  type WireMethod,
} from '../../../src/wire/methods.ts';
import { UNKNOWN_POD_ERROR } from '../../../src/wire/reference-errors.ts';
import { allocatorSetup } from '../../unit/daemon/pod-allocator-setup.ts';

/**
 * The plugin's gRPC client (our HTTP/2 over a Unix socket) against real gRPC servers: the
 * daemon's grpc-js server with the real PodAllocator, and a grpc-js server built from
 * proto/rpc.proto serving rpc.NPBackend as the network-policy agent does, its replies encoded by
 * protobufjs from the proto as the agent's generated code encodes them. Then the sockets that
 * are not there.
 */

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cni-grpc-unary-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pod(name: string, clientVersion = VERSION) {
  return {
    ClientVersion: clientVersion,
    K8S_POD_NAME: name,
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_INFRA_CONTAINER_ID: `infra-${name}`,
    ContainerID: `infra-${name}`,
    IfName: 'eth0',
    NetworkName: 'aws-cni',
  };
}

describe("against the daemon's grpc-js server and the real PodAllocator", () => {
  let server: RunningGrpcServer;
  let channel: GrpcUnixChannel;
  let t: Awaited<ReturnType<typeof allocatorSetup>>;

  beforeAll(async () => {
    t = await allocatorSetup();
    await t.pass();
    const socketPath = join(dir, 'ipamd.sock');
    server = await startGrpcServer({
      socketPath,
      service: t.pods,
      version: VERSION,
      logger: silentLogger(),
      metrics: t.metrics,
    });
    // One channel for every case: the calls share one connection, as a plugin run's do.
    channel = new GrpcUnixChannel(socketPath);
  });
  afterAll(async () => {
    channel.close();
    await server.close();
  });

  it('AddNetwork, a repeated AddNetwork, DelNetwork, and a second DelNetwork', async () => {
    const added = await channel.call(CNI_BACKEND.AddNetwork, {
      ...pod('web'),
      Netns: '/var/run/netns/cni-web',
    });
    expect(added.status).toBe(GRPC_STATUS.OK);
    expect(added.message).toBe('OK'); // grpc-js sends grpc-message "OK" with status 0
    expect(added.reply).toMatchObject({ Success: true, VPCv4CIDRs: ['10.0.0.0/16'] });
    const [allocation] = added.reply!.IPAllocationMetadata;
    expect(allocation).toMatchObject({ DeviceNumber: 0, RouteTableId: 254, IPv6Addr: '' });
    expect(t.pool.stats().assignedIPs).toBe(1);

    const again = await channel.call(CNI_BACKEND.AddNetwork, pod('web'));
    expect(again.reply?.IPAllocationMetadata).toEqual([allocation]);

    const deleted = await channel.call(CNI_BACKEND.DelNetwork, {
      ...pod('web'),
      Reason: 'PodDeleted',
    });
    expect(deleted).toMatchObject({ status: GRPC_STATUS.OK, reply: { Success: true } });
    expect(deleted.reply?.IPAllocationMetadata).toEqual([allocation]);
    expect(t.pool.stats().assignedIPs).toBe(0);

    // The reference's text, newline and tab included, percent-decoded from grpc-message.
    expect(await channel.call(CNI_BACKEND.DelNetwork, pod('web'))).toEqual({
      status: GRPC_STATUS.UNKNOWN,
      message: UNKNOWN_POD_ERROR,
      reply: undefined,
    });
  });

  it('health Check: SERVING', async () => {
    expect(await channel.call(HEALTH.Check, { service: '' }, 5_000)).toEqual({
      status: GRPC_STATUS.OK,
      message: 'OK',
      reply: { status: 'SERVING' },
    });
  });

  it('vpcipamd.PodAllocations GarbageCollect releases the allocation no attachment holds', async () => {
    for (const name of ['kept', 'orphan']) {
      const added = await channel.call(CNI_BACKEND.AddNetwork, pod(name));
      expect(added.reply?.Success).toBe(true);
    }
    t.scheduler.advance(61_000); // past the GC grace period
    const gc = await channel.call(POD_ALLOCATIONS.GarbageCollect, {
      NetworkName: 'aws-cni',
      ValidAttachments: [{ ContainerID: 'infra-kept', IfName: 'eth0' }],
      ClientVersion: VERSION,
    });
    expect(gc.status).toBe(GRPC_STATUS.OK);
    expect(gc.reply?.Released).toHaveLength(1);
    expect(gc.reply?.KeptRecent).toBe(0);
    expect(t.pool.stats().assignedIPs).toBe(1);
  });

  it('a client version of another major line: FAILED_PRECONDITION naming both versions', async () => {
    expect(await channel.call(CNI_BACKEND.AddNetwork, pod('web', 'v2.0.0'))).toEqual({
      status: GRPC_STATUS.FAILED_PRECONDITION,
      message: `wrong client version: the plugin sent ClientVersion "v2.0.0" (major version 2), ipamd ${VERSION} serves plugins of v0.x and v1.x and plugins that send no version`,
      reply: undefined,
    });
  });

  it('a method the server does not serve: UNIMPLEMENTED', async () => {
    const missing: WireMethod<unknown, unknown> = {
      ...HEALTH.Check,
      name: 'Nope',
      path: '/rpc.CNIBackend/Nope',
    } as WireMethod<unknown, unknown>;
    const outcome = await channel.call(missing, {});
    expect(outcome.status).toBe(GRPC_STATUS.UNIMPLEMENTED);
    expect(outcome.message).toBe('The server does not implement the method /rpc.CNIBackend/Nope');
    expect(outcome.reply).toBeUndefined();
  });
});

describe('against a grpc-js rpc.NPBackend built from proto/rpc.proto (the network-policy agent)', () => {
  let server: grpc.Server;
  let socketPath: string;
  const seen: unknown[] = [];

  beforeAll(async () => {
    const definition = protoLoader.loadSync('rpc.proto', {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      includeDirs: [PROTO_DIR],
    });
    const rpc = grpc.loadPackageDefinition(definition).rpc as grpc.GrpcObject;
    const service = (rpc.NPBackend as grpc.ServiceClientConstructor).service;
    server = new grpc.Server();
    server.addService(service, {
      EnforceNpToPod: (
        call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
        reply: grpc.sendUnaryData<unknown>,
      ) => {
        seen.push(call.request);
        if (call.request.K8S_POD_NAME === 'denied') {
          reply({ code: grpc.status.PERMISSION_DENIED, details: 'policy engine: pod "denied" ✗' });
          return;
        }
        reply(null, { Success: true });
      },
      DeletePodNp: (
        call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
        reply: grpc.sendUnaryData<unknown>,
      ) => {
        seen.push(call.request);
        reply(null, { Success: call.request.K8S_POD_NAME !== 'unknown' });
      },
    });
    socketPath = join(dir, 'npa.sock');
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  });
  afterAll(() => server.forceShutdown());

  it('EnforceNpToPod and DeletePodNp: the agent decodes our requests, we decode its replies', async () => {
    const channel = new GrpcUnixChannel(socketPath);
    try {
      const enforced = await channel.call(
        NP_BACKEND.EnforceNpToPod,
        {
          K8S_POD_NAME: 'web',
          K8S_POD_NAMESPACE: 'shop',
          NETWORK_POLICY_MODE: 'standard',
          InterfaceCount: 1,
        },
        5_000,
      );
      expect(enforced).toEqual({ status: GRPC_STATUS.OK, message: 'OK', reply: { Success: true } });
      const deleted = await channel.call(
        NP_BACKEND.DeletePodNp,
        { K8S_POD_NAME: 'unknown', K8S_POD_NAMESPACE: 'shop' },
        5_000,
      );
      // Success=false is the proto3 default: the reply is empty on the wire.
      expect(deleted).toEqual({ status: GRPC_STATUS.OK, message: 'OK', reply: { Success: false } });
      expect(seen).toEqual([
        {
          K8S_POD_NAME: 'web',
          K8S_POD_NAMESPACE: 'shop',
          NETWORK_POLICY_MODE: 'standard',
          InterfaceCount: 1,
        },
        { K8S_POD_NAME: 'unknown', K8S_POD_NAMESPACE: 'shop' },
      ]);
    } finally {
      channel.close();
    }
  });

  it('an error status with a non-ASCII message arrives percent-decoded', async () => {
    const channel = new GrpcUnixChannel(socketPath);
    try {
      expect(await channel.call(NP_BACKEND.EnforceNpToPod, { K8S_POD_NAME: 'denied' })).toEqual({
        status: GRPC_STATUS.PERMISSION_DENIED,
        message: 'policy engine: pod "denied" ✗',
        reply: undefined,
      });
    } finally {
      channel.close();
    }
  });
});

describe('sockets nobody serves', () => {
  let listening: Server | undefined;
  afterEach(() => listening?.close());

  it('no socket file: UNAVAILABLE, "no such socket"', async () => {
    const channel = new GrpcUnixChannel(join(dir, 'absent.sock'));
    expect(await channel.call(HEALTH.Check, { service: '' })).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `cannot connect to ${join(dir, 'absent.sock')}: no such socket`,
      reply: undefined,
    });
    channel.close();
  });

  it('a socket file nobody listens on: UNAVAILABLE, "connection refused"', async () => {
    // What a crashed daemon leaves: a socket file without a listener. A second link to a
    // listener's socket file outlives the listener (closing it unlinks only its own name).
    const live = join(dir, 'live.sock');
    const socketPath = join(dir, 'stale.sock');
    listening = createServer();
    await new Promise<void>((resolve) => listening!.listen(live, resolve));
    linkSync(live, socketPath);
    await new Promise<void>((resolve) => listening!.close(() => resolve()));
    listening = undefined;
    const channel = new GrpcUnixChannel(socketPath);
    expect(await channel.call(HEALTH.Check, { service: '' }, 5_000)).toEqual({
      status: GRPC_STATUS.UNAVAILABLE,
      message: `cannot connect to ${socketPath}: connection refused`,
      reply: undefined,
    });
    channel.close();
  });

  it('the next call after a failed connect tries again, and reaches a server that came up', async () => {
    const socketPath = join(dir, 'late.sock');
    const channel = new GrpcUnixChannel(socketPath);
    const first = await channel.call(HEALTH.Check, { service: '' });
    expect(first.message).toBe(`cannot connect to ${socketPath}: no such socket`);
    const late = await startGrpcServer({
      socketPath,
      service: (await allocatorSetup()).pods,
      version: VERSION,
      logger: silentLogger(),
    });
    try {
      expect((await channel.call(HEALTH.Check, { service: '' })).reply).toEqual({
        status: 'SERVING',
      });
    } finally {
      channel.close();
      await late.close();
    }
  });
});
