import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * A tiny CRI v1 client (what kubelet's remote runtime does, for pod sandboxes only) over a
 * container runtime's Unix socket: there is no crictl package here. The messages are the subset in
 * cri-api.proto; enums and 64-bit numbers come back as strings, defaults included.
 */

export interface SandboxRequest {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** hostPort → containerPort, TCP on every host address. */
  readonly portMappings?: readonly { hostPort: number; containerPort: number }[];
}

export interface SandboxStatus {
  readonly id: string;
  readonly state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  readonly ip: string;
  /** The sandbox's network namespace as the runtime's mount namespace sees it ('' if none). */
  readonly netns: string;
}

interface StatusReply {
  status: { id: string; state: SandboxStatus['state']; network?: { ip: string } };
  info: Record<string, string>;
}

/** The part of containerd's verbose sandbox info read here (the sandbox's OCI spec). */
interface ContainerdSandboxInfo {
  runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
}

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply: unknown) => void,
) => grpc.ClientUnaryCall;

const definition = loadSync(join(import.meta.dirname, 'cri-api.proto'), {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
});
const runtimeV1 = grpc.loadPackageDefinition(definition).runtime as {
  v1: { RuntimeService: grpc.ServiceClientConstructor };
};

export class CriClient {
  private readonly client: grpc.Client;
  private readonly cgroupParent: string;

  /** `cgroupParent`: where every sandbox's cgroup goes, as kubelet's cgroup root does. */
  constructor(socketPath: string, cgroupParent: string) {
    this.cgroupParent = cgroupParent;
    this.client = new runtimeV1.v1.RuntimeService(
      `unix://${socketPath}`,
      grpc.credentials.createInsecure(),
    );
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return (await this.call('Version', { version: 'v1' })) as {
      runtimeName: string;
      runtimeVersion: string;
    };
  }

  /**
   * RunPodSandbox, with the pod network namespace as kubelet asks for an ordinary pod, or the
   * node's (`hostNetwork`), for which the runtime calls no CNI plugin.
   */
  async runSandbox(pod: SandboxRequest, hostNetwork = false): Promise<string> {
    const reply = (await this.call('RunPodSandbox', {
      config: {
        metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, attempt: 0 },
        // A host-network sandbox shares the node's UTS namespace: no hostname of its own.
        hostname: hostNetwork ? '' : pod.name,
        portMappings: (pod.portMappings ?? []).map((p) => ({
          protocol: 'TCP',
          hostPort: p.hostPort,
          containerPort: p.containerPort,
        })),
        linux: {
          cgroupParent: this.cgroupParent,
          securityContext: {
            namespaceOptions: { network: hostNetwork ? 'NODE' : 'POD', pid: 'POD', ipc: 'POD' },
          },
        },
      },
    })) as { podSandboxId: string };
    return reply.podSandboxId;
  }

  async status(id: string): Promise<SandboxStatus> {
    const reply = (await this.call('PodSandboxStatus', {
      podSandboxId: id,
      verbose: true,
    })) as StatusReply;
    // containerd's verbose info: {"info": "<JSON: pid, runtimeSpec, cniResult, …>"}.
    const info = JSON.parse(reply.info.info ?? '{}') as ContainerdSandboxInfo;
    const network = info.runtimeSpec?.linux?.namespaces?.find((ns) => ns.type === 'network');
    return {
      id: reply.status.id,
      state: reply.status.state,
      ip: reply.status.network?.ip ?? '',
      netns: network?.path ?? '',
    };
  }

  async stopSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', { podSandboxId: id });
  }

  async removeSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', { podSandboxId: id });
  }

  close(): void {
    this.client.close();
  }

  private call(method: string, request: object, deadlineMs = 60_000): Promise<unknown> {
    const unary = (this.client as unknown as Record<string, Unary>)[method]!.bind(this.client);
    return new Promise((resolve, reject) => {
      unary(request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (error, reply) =>
        error
          ? reject(new Error(`CRI ${method}: ${error.details || error.message}`))
          : resolve(reply),
      );
    });
  }
}
