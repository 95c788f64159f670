import { randomBytes, randomUUID } from 'node:crypto';
import { VERSION } from '../../version.ts';
import type { AddNetworkRequest, DelNetworkRequest } from '../../wire/rpc-messages.ts';

/** Pods as kubelet → the CNI plugin describe them: Deployment-style names, sandbox IDs, netns. */

const WORKLOADS: readonly { namespace: string; app: string }[] = [
  { namespace: 'default', app: 'web' },
  { namespace: 'default', app: 'api' },
  { namespace: 'shop', app: 'cart' },
  { namespace: 'shop', app: 'checkout' },
  { namespace: 'shop', app: 'catalog' },
  { namespace: 'payments', app: 'ledger' },
  { namespace: 'observability', app: 'otel-collector' },
  { namespace: 'batch', app: 'ingest-worker' },
];

/** Kubernetes' name suffix alphabet (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(length: number, random: () => number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return text;
}

export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The pod sandbox (pause container) ID: the CNI ContainerID. */
  readonly containerId: string;
  readonly netns: string;
}

/** One ReplicaSet hash per app, like a Deployment's pods share. */
export class PodFactory {
  private readonly random: () => number;
  private readonly replicaSets: string[];

  constructor(random: () => number = Math.random) {
    this.random = random;
    this.replicaSets = WORKLOADS.map(() => suffix(10, random));
  }

  next(): PodIdentity {
    const index = Math.floor(this.random() * WORKLOADS.length);
    const workload = WORKLOADS[index] ?? WORKLOADS[0]!;
    return {
      namespace: workload.namespace,
      name: `${workload.app}-${this.replicaSets[index]}-${suffix(5, this.random)}`,
      uid: randomUUID(),
      containerId: randomBytes(32).toString('hex'),
      netns: `/var/run/netns/cni-${randomUUID()}`,
    };
  }
}

export function addRequest(pod: PodIdentity): AddNetworkRequest {
  return {
    K8S_POD_NAME: pod.name,
    K8S_POD_NAMESPACE: pod.namespace,
    K8S_POD_INFRA_CONTAINER_ID: pod.containerId,
    Netns: pod.netns,
    IfName: 'eth0',
    NetworkName: 'aws-cni',
    ContainerID: pod.containerId,
    // The version our own plugin sends (ipamd also serves the reference's; docs/compat.md).
    ClientVersion: VERSION,
    RequiresMultiNICAttachment: false,
  };
}

export function delRequest(pod: PodIdentity): DelNetworkRequest {
  return {
    K8S_POD_NAME: pod.name,
    K8S_POD_NAMESPACE: pod.namespace,
    K8S_POD_INFRA_CONTAINER_ID: pod.containerId,
    Reason: 'PodDeleted',
    IfName: 'eth0',
    NetworkName: 'aws-cni',
    ContainerID: pod.containerId,
    // The version our own plugin sends (ipamd also serves the reference's; docs/compat.md).
    ClientVersion: VERSION,
    K8S_POD_UID: pod.uid,
  };
}
