import type { IpamKey } from './ipam-key.ts';

/**
 * What a pod asks of the node's IP address management and what it gets back: no transport, no
 * status codes. The daemon's PodAllocator answers these; src/rpc translates gRPC to and from them.
 */

/** The pod as kubelet names it (CNI_ARGS K8S_POD_NAMESPACE and K8S_POD_NAME). */
export interface PodName {
  readonly namespace: string;
  readonly name: string;
}

export interface PodAddRequest {
  /** (network name, container ID, interface name): a repeated ADD with it gets the same address. */
  readonly key: IpamKey;
  readonly pod: PodName;
  readonly netns: string;
  /** One address on every network card (the pod annotation `k8s.amazonaws.com/nicConfig`). */
  readonly multiNic: boolean;
}

/** One address a pod holds, and where the host routes it. */
export interface PodAddress {
  readonly ipv4: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

/** What a pod that got its addresses is told. */
export interface PodAdded {
  readonly ok: true;
  /** In card order; one unless the pod asked for multi-NIC. */
  readonly addresses: readonly PodAddress[];
  readonly externalSnat: boolean;
  /** The VPC's IPv4 CIDRs, then the SNAT exclusions unless SNAT is external. */
  readonly vpcIpv4Cidrs: readonly string[];
  readonly networkPolicyMode: string;
}

/** Nothing is held for the pod (except addresses a partial multi-NIC ADD placed). */
export type PodAddResult = PodAdded | { readonly ok: false; readonly reason: string };

export interface PodDelRequest {
  readonly key: IpamKey;
  readonly pod: PodName;
  readonly podUid: string;
  /** Why the plugin deletes (`PodDeleted`, `SetupNSFailed`), for the log. */
  readonly reason: string;
}

/** What a pod whose addresses were released is told. */
export interface PodReleased {
  readonly ok: true;
  readonly released: readonly PodAddress[];
  readonly networkPolicyMode: string;
}

export type PodDelResult =
  | PodReleased
  /** No address is held under the key: the pod was deleted before, or never added. */
  | { readonly ok: false; readonly failure: 'unknown-pod' }
  /** The release could not be made durable; the pod keeps its addresses. */
  | { readonly ok: false; readonly failure: 'checkpoint-failed'; readonly error: string };

/** The node facts the network-policy agent reads (GetNetworkPolicyConfigs). */
export interface NetworkPolicyFacts {
  readonly networkPolicyMode: string;
  readonly multiNicEnabled: boolean;
  readonly nodeIpv4: string;
  readonly nodeIpv6: string;
  readonly instanceId: string;
  readonly region: string;
}

/** CNI 1.1 GC: release what the runtime no longer knows. */
export interface PodGcRequest {
  readonly networkName: string;
  /** (container ID, interface name) of every attachment the runtime still has. */
  readonly validAttachments: readonly { readonly containerID: string; readonly ifName: string }[];
}

export interface PodGcResult {
  readonly released: readonly PodAddress[];
  /** Orphans left for a later GC because they are younger than the grace period. */
  readonly keptRecent: number;
}
