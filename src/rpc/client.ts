import * as grpc from '@grpc/grpc-js';
import type { HealthCheckResponse } from '../wire/health-messages.ts';
import type { MessageInit } from '../wire/message-codec.ts';
import { CNI_BACKEND, CONFIG_SERVER_BACKEND, HEALTH, type WireMethod } from '../wire/methods.ts';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
  NetworkPolicyAgentConfigReply,
} from '../wire/rpc-messages.ts';
import { asBuffer } from './grpc-definitions.ts';

/**
 * The grpc-js client of ipamd's Unix socket, for tests, the demo and `vpc-ipamd probe`: one
 * channel for every service, a deadline per call, and `cancelAll` for the calls in flight (on
 * Ctrl-C the demo calls off ADDs still waiting for capacity, as a plugin killed by kubelet would,
 * so the daemon's graceful stop does not wait for them). The CNI plugin does not use it: loading
 * grpc-js costs ~100 ms per invocation; it shares only the wire module.
 */
export class IpamdClient {
  private readonly channel: grpc.Client;
  private readonly inFlight = new Set<grpc.ClientUnaryCall>();

  constructor(socketPath: string) {
    this.channel = new grpc.Client(`unix://${socketPath}`, grpc.credentials.createInsecure());
  }

  addNetwork(
    request: MessageInit<AddNetworkRequest>,
    deadlineMs = 60_000,
  ): Promise<AddNetworkReply> {
    return this.call(CNI_BACKEND.AddNetwork, request, deadlineMs);
  }

  delNetwork(
    request: MessageInit<DelNetworkRequest>,
    deadlineMs = 60_000,
  ): Promise<DelNetworkReply> {
    return this.call(CNI_BACKEND.DelNetwork, request, deadlineMs);
  }

  networkPolicyConfigs(deadlineMs = 10_000): Promise<NetworkPolicyAgentConfigReply> {
    return this.call(CONFIG_SERVER_BACKEND.GetNetworkPolicyConfigs, {}, deadlineMs);
  }

  healthCheck(service = '', deadlineMs = 5_000): Promise<HealthCheckResponse> {
    return this.call(HEALTH.Check, { service }, deadlineMs);
  }

  /** Resolves once connected; rejects when the deadline passes first. */
  waitForReady(deadlineMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.channel.waitForReady(Date.now() + deadlineMs, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** Cancels every call in flight: each rejects with CANCELLED. */
  cancelAll(): void {
    for (const call of this.inFlight) call.cancel();
    this.inFlight.clear();
  }

  close(): void {
    this.channel.close();
  }

  private call<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
    deadlineMs: number,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      const call = this.channel.makeUnaryRequest<MessageInit<Req>, Res>(
        method.path,
        (message) => asBuffer(method.request.encode(message)),
        (bytes) => method.response.decode(bytes),
        request,
        { deadline: Date.now() + deadlineMs },
        (error, reply) => {
          this.inFlight.delete(call);
          if (error) reject(error);
          else resolve(reply as Res);
        },
      );
      this.inFlight.add(call);
    });
  }
}
