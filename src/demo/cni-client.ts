import * as grpc from '@grpc/grpc-js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
} from '../rpc/messages.ts';
import { loadProtos } from '../rpc/proto.ts';
import type { PodApi } from './workload.ts';

/**
 * ADD and DEL over ipamd's socket, like IpamdClient, but every call in flight can be cancelled
 * at once: on Ctrl-C an ADD still waiting for capacity (up to ADD_WAIT_SECONDS) is called off,
 * as a plugin killed by kubelet would, so the daemon's graceful stop does not wait for it.
 */
export class CancellableCniClient implements PodApi {
  private readonly client: grpc.Client;
  private readonly inFlight = new Set<grpc.ClientUnaryCall>();

  constructor(socketPath: string) {
    this.client = new (loadProtos().cniBackend)(
      `unix://${socketPath}`,
      grpc.credentials.createInsecure(),
    );
  }

  addNetwork(request: AddNetworkRequest, deadlineMs = 60_000): Promise<AddNetworkReply> {
    return this.call('AddNetwork', request, deadlineMs);
  }

  delNetwork(request: DelNetworkRequest, deadlineMs = 60_000): Promise<DelNetworkReply> {
    return this.call('DelNetwork', request, deadlineMs);
  }

  /** Cancels every call in flight (they reject with CANCELLED) and closes the channel. */
  cancelAllAndClose(): void {
    for (const call of this.inFlight) call.cancel();
    this.inFlight.clear();
    this.client.close();
  }

  private call<Res>(method: string, request: unknown, deadlineMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      // grpc-js generated clients expose methods by name; the type is not known statically.
      const fn = (this.client as unknown as Record<string, unknown>)[method];
      if (typeof fn !== 'function') {
        reject(new Error(`no gRPC method ${method}`));
        return;
      }
      const call = fn.call(
        this.client,
        request,
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, reply?: Res) => {
          this.inFlight.delete(call);
          if (error) reject(error);
          else resolve(reply as Res);
        },
      ) as grpc.ClientUnaryCall;
      this.inFlight.add(call);
    });
  }
}
