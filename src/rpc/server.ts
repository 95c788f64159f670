import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IpamdMetrics } from '../observe/metrics.ts';
import {
  CNI_BACKEND,
  CONFIG_SERVER_BACKEND,
  HEALTH,
  POD_ALLOCATIONS,
  type WireMethod,
} from '../wire/methods.ts';
import { ClientVersionGate } from './client-version-gate.ts';
import {
  addNetworkReplyOf,
  addRequestOf,
  delNetworkReplyOf,
  delRequestOf,
  networkPolicyConfigReplyOf,
} from './cni-backend.ts';
import { gcReplyOf, gcRequestOf } from './gc-backend.ts';
import { malformedRequest, type Received, serverServiceDefinition } from './grpc-definitions.ts';
import { GrpcFailure } from './grpc-failure.ts';
import { HealthStatus } from './health.ts';
import type { PodAllocatorPort } from './pod-allocator-port.ts';
import { withUmask } from './with-umask.ts';

/**
 * The gRPC server on ipamd's Unix socket: rpc.CNIBackend, rpc.ConfigServerBackend,
 * vpcipamd.PodAllocations (ours: the plugin's GC) and grpc.health.v1.Health. Transport concerns live here (socket file, client-version check,
 * request counting, failures as statuses); what an ADD or DEL does is the daemon's allocator,
 * reached through `PodAllocatorPort` and the translation in cni-backend.ts.
 */

export const DEFAULT_SOCKET_PATH = '/var/run/aws-node/ipamd.sock';

export interface GrpcServerOptions {
  readonly socketPath: string;
  readonly service: PodAllocatorPort;
  readonly version: string;
  readonly logger: Logger;
  readonly metrics?: IpamdMetrics;
  readonly health?: HealthStatus;
}

export interface RunningGrpcServer {
  readonly socketPath: string;
  readonly health: HealthStatus;
  /** Stops accepting calls, lets running ones finish, removes the socket file. */
  close(): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const health = options.health ?? new HealthStatus();
  const server = new grpc.Server();
  const { service, logger, metrics } = options;
  const versions = new ClientVersionGate(options.version, logger, metrics);

  server.addService(serverServiceDefinition(CNI_BACKEND), {
    AddNetwork: unary(logger, CNI_BACKEND.AddNetwork, async (request, call) => {
      metrics?.addIpRequests.inc();
      versions.check(request.ClientVersion, 'AddNetwork');
      return addNetworkReplyOf(await service.add(addRequestOf(request), cancellationOf(call)));
    }),
    DelNetwork: unary(logger, CNI_BACKEND.DelNetwork, async (request) => {
      metrics?.delIpRequests.inc({ reason: request.Reason });
      versions.check(request.ClientVersion, 'DelNetwork');
      return delNetworkReplyOf(await service.del(delRequestOf(request)));
    }),
  });
  server.addService(serverServiceDefinition(CONFIG_SERVER_BACKEND), {
    GetNetworkPolicyConfigs: unary(
      logger,
      CONFIG_SERVER_BACKEND.GetNetworkPolicyConfigs,
      async () => networkPolicyConfigReplyOf(service.networkPolicyFacts()),
    ),
  });
  server.addService(serverServiceDefinition(POD_ALLOCATIONS), {
    GarbageCollect: unary(logger, POD_ALLOCATIONS.GarbageCollect, async (request) => {
      versions.check(request.ClientVersion, 'GarbageCollect');
      return gcReplyOf(await service.gc(gcRequestOf(request)));
    }),
  });
  server.addService(serverServiceDefinition(HEALTH), health.handlers());

  prepareSocketPath(options.socketPath);
  // Root-only, as the reference: hostNetwork pods must not reach the CNI API. The socket is
  // created 0660 (umask 0117); the chmod only repeats it for filesystems that ignore the umask.
  await withUmask(
    0o117,
    () =>
      new Promise<void>((resolve, reject) => {
        server.bindAsync(
          `unix://${options.socketPath}`,
          grpc.ServerCredentials.createInsecure(),
          (error) => (error ? reject(error) : resolve()),
        );
      }),
  );
  chmodSync(options.socketPath, SOCKET_MODE);
  logger.info({ socket: options.socketPath }, 'gRPC server listening');

  return {
    socketPath: options.socketPath,
    health,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          rmSync(options.socketPath, { force: true });
          resolve();
        });
      }),
  };
}

/** The socket's mode, as the reference's: owner and group only. */
export const SOCKET_MODE = 0o660;

/** Parent directory 0755 if missing; a stale socket from a previous run is removed. */
function prepareSocketPath(socketPath: string): void {
  const parent = dirname(socketPath);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true, mode: 0o755 });
  rmSync(socketPath, { force: true });
}

/** Aborts when the client cancels the call, its deadline passes or its connection drops. */
function cancellationOf(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/**
 * A unary handler: an undecodable request, a `GrpcFailure` and an unexpected exception each end
 * the call with a status (the last is logged and answered INTERNAL).
 */
function unary<Req, Res>(
  logger: Logger,
  method: WireMethod<Req, Res>,
  handler: (request: Req, call: grpc.ServerUnaryCall<Received<Req>, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Received<Req>, Res> {
  return (call, callback) => {
    const received = call.request;
    if (!received.ok) {
      logger.warn({ method: method.path, error: received.error }, 'undecodable gRPC request');
      callback(malformedRequest(received.error));
      return;
    }
    let pending: Promise<Res>;
    try {
      pending = handler(received.message, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (reply) => callback(null, reply),
      (error: unknown) => {
        if (error instanceof GrpcFailure) {
          callback({ code: error.code, details: error.message });
          return;
        }
        logger.error({ err: error, method: method.name }, 'gRPC handler failed');
        callback({ code: grpc.status.INTERNAL, details: String(error) });
      },
    );
  };
}
