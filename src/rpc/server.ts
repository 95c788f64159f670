import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IpamdMetrics } from '../observe/metrics.ts';
import { isCompatibleClient } from './client-version.ts';
import { HealthStatus } from './health.ts';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
  NetworkPolicyAgentConfigReply,
} from './messages.ts';
import { loadProtos } from './proto.ts';

/**
 * The gRPC server on ipamd's Unix socket: rpc.CNIBackend, rpc.ConfigServerBackend and
 * grpc.health.v1.Health. Transport concerns live here (socket file, version check, request
 * counting, error mapping); what an ADD or DEL does is the daemon's `PodNetworkService`.
 */

/** What the daemon answers; an `RpcError` thrown from it becomes a gRPC error status. */
export interface PodNetworkService {
  /** `signal` aborts when the client cancels the call or its deadline passes. */
  addNetwork(request: AddNetworkRequest, signal?: AbortSignal): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest): Promise<DelNetworkReply>;
  networkPolicyConfigs(): NetworkPolicyAgentConfigReply;
}

/** A failure the client must see as a gRPC status (not as Success=false). */
export class RpcError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
  }
}

export const DEFAULT_SOCKET_PATH = '/var/run/aws-node/ipamd.sock';

export interface GrpcServerOptions {
  readonly socketPath: string;
  readonly service: PodNetworkService;
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
  const protos = loadProtos();
  const health = options.health ?? new HealthStatus();
  const server = new grpc.Server();
  const { service, version, logger, metrics } = options;

  const rejectVersion = (clientVersion: string) =>
    isCompatibleClient(clientVersion, version)
      ? undefined
      : new RpcError(
          grpc.status.FAILED_PRECONDITION,
          `wrong client version: client ${JSON.stringify(clientVersion)}, ipamd ${version}`,
        );

  server.addService(protos.cniBackend.service, {
    AddNetwork: unary<AddNetworkRequest, AddNetworkReply>(logger, 'AddNetwork', (request, call) => {
      metrics?.addIpRequests.inc();
      const versionError = rejectVersion(request.ClientVersion);
      if (versionError) throw versionError;
      return service.addNetwork(request, cancellationOf(call));
    }),
    DelNetwork: unary<DelNetworkRequest, DelNetworkReply>(logger, 'DelNetwork', (request) => {
      metrics?.delIpRequests.inc({ reason: request.Reason });
      const versionError = rejectVersion(request.ClientVersion);
      if (versionError) throw versionError;
      return service.delNetwork(request);
    }),
  });
  server.addService(protos.configServerBackend.service, {
    GetNetworkPolicyConfigs: unary<unknown, NetworkPolicyAgentConfigReply>(
      logger,
      'GetNetworkPolicyConfigs',
      async () => service.networkPolicyConfigs(),
    ),
  });
  server.addService(protos.health.service, health.handlers());

  prepareSocketPath(options.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(
      `unix://${options.socketPath}`,
      grpc.ServerCredentials.createInsecure(),
      (error) => (error ? reject(error) : resolve()),
    );
  });
  // Root-only, as the reference: hostNetwork pods must not reach the CNI API.
  chmodSync(options.socketPath, 0o660);
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

function unary<Req, Res>(
  logger: Logger,
  method: string,
  handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let pending: Promise<Res>;
    try {
      pending = handler(call.request, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (reply) => callback(null, reply),
      (error: unknown) => {
        if (error instanceof RpcError) {
          callback({ code: error.code, details: error.message });
          return;
        }
        logger.error({ err: error, method }, 'gRPC handler failed');
        callback({ code: grpc.status.INTERNAL, details: String(error) });
      },
    );
  };
}
