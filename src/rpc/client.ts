import * as grpc from '@grpc/grpc-js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
  NetworkPolicyAgentConfigReply,
} from './messages.ts';
import { loadProtos } from './proto.ts';

/**
 * A gRPC client for ipamd's Unix socket, for tests, the demo and `vpc-ipamd probe`. (The CNI
 * plugin has its own lean client: loading grpc-js costs it ~100 ms per invocation.)
 */
export class IpamdClient {
  private readonly cni: grpc.Client;
  private readonly config: grpc.Client;
  private readonly health: grpc.Client;

  constructor(socketPath: string) {
    const protos = loadProtos();
    const address = `unix://${socketPath}`;
    const credentials = grpc.credentials.createInsecure();
    this.cni = new protos.cniBackend(address, credentials);
    // The three service clients share one channel so a test sees one connection.
    const channelOverride = this.cni.getChannel();
    this.config = new protos.configServerBackend(address, credentials, { channelOverride });
    this.health = new protos.health(address, credentials, { channelOverride });
  }

  addNetwork(request: Partial<AddNetworkRequest>, deadlineMs = 60_000): Promise<AddNetworkReply> {
    return this.call(this.cni, 'AddNetwork', request, deadlineMs);
  }

  delNetwork(request: Partial<DelNetworkRequest>, deadlineMs = 60_000): Promise<DelNetworkReply> {
    return this.call(this.cni, 'DelNetwork', request, deadlineMs);
  }

  networkPolicyConfigs(deadlineMs = 10_000): Promise<NetworkPolicyAgentConfigReply> {
    return this.call(this.config, 'GetNetworkPolicyConfigs', {}, deadlineMs);
  }

  healthCheck(service = '', deadlineMs = 5_000): Promise<{ status: string }> {
    return this.call(this.health, 'Check', { service }, deadlineMs);
  }

  /** Resolves once connected; rejects when the deadline passes first. */
  waitForReady(deadlineMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.cni.waitForReady(Date.now() + deadlineMs, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  close(): void {
    this.cni.close();
  }

  private call<Res>(
    client: grpc.Client,
    method: string,
    request: unknown,
    deadlineMs: number,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      // grpc-js generated clients expose methods by name; the type is not known statically.
      const fn = (client as unknown as Record<string, unknown>)[method];
      if (typeof fn !== 'function') {
        reject(new Error(`no gRPC method ${method}`));
        return;
      }
      fn.call(
        client,
        request,
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, reply?: Res) =>
          error ? reject(error) : resolve(reply as Res),
      );
    });
  }
}
