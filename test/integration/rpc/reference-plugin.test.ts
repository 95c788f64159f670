import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdClient } from '../../../src/rpc/client.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';
import { VERSION } from '../../../src/version.ts';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
} from '../../../src/wire/rpc-messages.ts';
import { allocatorSetup } from '../../unit/daemon/pod-allocator-setup.ts';

/**
 * The reference's `aws-cni` plugin against our gRPC server and the real PodAllocator, over a Unix
 * socket: its field set (ClientVersion, K8S_POD_NAME, K8S_POD_NAMESPACE,
 * K8S_POD_INFRA_CONTAINER_ID, ContainerID, IfName, NetworkName "aws-cni", Netns,
 * RequiresMultiNICAttachment; DEL adds Reason and K8S_POD_UID) with the ClientVersion values its
 * builds send. Each case runs with two clients: one whose messages protobufjs encodes from
 * proto/rpc.proto (as the reference's generated code does from its copy), and ours.
 */

interface CniApi {
  add(request: AddNetworkRequest): Promise<AddNetworkReply>;
  del(request: DelNetworkRequest): Promise<DelNetworkReply>;
  close(): void;
}

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

function protobufjsClient(socketPath: string): CniApi {
  const definition = protoLoader.loadSync('rpc.proto', {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    arrays: true,
    includeDirs: [PROTO_DIR],
  });
  const rpc = grpc.loadPackageDefinition(definition).rpc as grpc.GrpcObject;
  const Backend = rpc.CNIBackend as grpc.ServiceClientConstructor;
  const client = new Backend(`unix://${socketPath}`, grpc.credentials.createInsecure());
  const unary =
    <Req, Res>(method: string) =>
    (request: Req) =>
      new Promise<Res>((resolve, reject) => {
        // Generated grpc-js clients expose their methods by name only.
        type Unary = (
          request: Req,
          callback: (error: grpc.ServiceError | null, reply: Res) => void,
        ) => void;
        const call = (client as unknown as Record<string, Unary>)[method]!;
        call.call(client, request, (error, reply) => (error ? reject(error) : resolve(reply)));
      });
  return {
    add: unary('AddNetwork'),
    del: unary('DelNetwork'),
    close: () => client.close(),
  };
}

function ourClient(socketPath: string): CniApi {
  const client = new IpamdClient(socketPath);
  return {
    add: (request) => client.addNetwork(request),
    del: (request) => client.delNetwork(request),
    close: () => client.close(),
  };
}

/** The fields the reference plugin sends on both ADD and DEL, for pod `pod` of namespace default. */
function referencePod(pod: string, clientVersion: string) {
  return {
    ClientVersion: clientVersion,
    K8S_POD_NAME: pod,
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_INFRA_CONTAINER_ID: `infra-${pod}`,
    ContainerID: `infra-${pod}`,
    IfName: 'eth0',
    NetworkName: 'aws-cni',
  };
}

function referenceAdd(pod: string, clientVersion: string): AddNetworkRequest {
  return {
    ...referencePod(pod, clientVersion),
    Netns: `/var/run/netns/cni-${pod}`,
    RequiresMultiNICAttachment: false,
  };
}

function referenceDel(pod: string, clientVersion: string): DelNetworkRequest {
  return { ...referencePod(pod, clientVersion), Reason: 'PodDeleted', K8S_POD_UID: `uid-${pod}` };
}

async function statusOf(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected a gRPC error, got a reply');
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function node(makeClient: (socketPath: string) => CniApi) {
  const t = await allocatorSetup();
  await t.pass();
  const dir = mkdtempSync(join(tmpdir(), 'ipamd-reference-plugin-'));
  const socketPath = join(dir, 'ipamd.sock');
  const server: RunningGrpcServer = await startGrpcServer({
    socketPath,
    service: t.pods,
    version: VERSION,
    logger: silentLogger(),
    metrics: t.metrics,
  });
  const client = makeClient(socketPath);
  cleanup = async () => {
    client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const mismatches = async () =>
    Object.fromEntries(
      (await t.metrics.clientVersionMismatches.get()).values.map((v) => [
        String(v.labels.client_version),
        v.value,
      ]),
    );
  return { ...t, client, mismatches };
}

describe.each([
  ['protobufjs from proto/rpc.proto', protobufjsClient],
  ['our IpamdClient', ourClient],
])('the reference plugin’s calls, encoded by %s', (_label, makeClient) => {
  it.each([
    ['empty (the shipped aws-cni)', '', 'empty'],
    ['v1.23.1 (a reference release)', 'v1.23.1', 'v1.23.1'],
    [`ours (${VERSION})`, VERSION, undefined],
  ])(
    'ClientVersion %s: ADD, repeated ADD, DEL and a second DEL are served',
    async (_name, version, label) => {
      const t = await node(makeClient);
      const added = await t.client.add(referenceAdd('web', version));
      expect(added.Success).toBe(true);
      expect(added.IPAllocationMetadata).toHaveLength(1);
      const [allocation] = added.IPAllocationMetadata;
      expect(allocation).toMatchObject({ DeviceNumber: 0, RouteTableId: 254, IPv6Addr: '' });
      expect(added.VPCv4CIDRs).toEqual(['10.0.0.0/16']);

      // kubelet retries a sandbox: same key, same address
      expect((await t.client.add(referenceAdd('web', version))).IPAllocationMetadata).toEqual([
        allocation,
      ]);
      expect(t.pool.stats().assignedIPs).toBe(1);

      const deleted = await t.client.del(referenceDel('web', version));
      expect(deleted.Success).toBe(true);
      expect(deleted.IPAllocationMetadata).toEqual([allocation]);
      expect(t.pool.stats().assignedIPs).toBe(0);

      // A repeated DEL: the reference's text, which its plugin turns into success.
      const again = await statusOf(t.client.del(referenceDel('web', version)));
      expect(again.code).toBe(grpc.status.UNKNOWN);
      expect(again.details).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');

      expect(await t.mismatches()).toEqual(label === undefined ? {} : { [label]: 4 });
    },
  );

  it('a well-formed version of another major line is refused on ADD and DEL, naming both versions', async () => {
    const t = await node(makeClient);
    const add = await statusOf(t.client.add(referenceAdd('web', 'v2.0.0')));
    expect(add.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(add.details).toBe(
      `wrong client version: the plugin sent ClientVersion "v2.0.0" (major version 2), ipamd ${VERSION} serves plugins of v0.x and v1.x and plugins that send no version`,
    );
    expect(t.pool.stats().assignedIPs).toBe(0);

    expect((await t.client.add(referenceAdd('web', 'v1.23.1'))).Success).toBe(true);
    const del = await statusOf(t.client.del(referenceDel('web', 'v2.0.0')));
    expect(del.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(del.details).toContain('"v2.0.0"');
    expect(t.pool.stats().assignedIPs).toBe(1);
    expect(await t.mismatches()).toEqual({ 'v1.23.1': 1 });
  });

  it('a version string that is not a version (a fork’s build) is served and counted as unparseable', async () => {
    const t = await node(makeClient);
    expect((await t.client.add(referenceAdd('web', 'a1b2c3d'))).Success).toBe(true);
    expect((await t.client.del(referenceDel('web', 'a1b2c3d'))).Success).toBe(true);
    expect(await t.mismatches()).toEqual({ unparseable: 2 });
  });
});
