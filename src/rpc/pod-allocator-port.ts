import type { IpamKey } from '../ipam/ipam-key.ts';

/**
 * What the CNIBackend and ConfigServerBackend handlers call: the daemon's PodAllocator, seen from
 * here. The daemon is the outer layer, so it is described rather than imported; the compiler
 * checks the two agree where the daemon hands its allocator to `startGrpcServer`.
 */
export interface PodAllocatorPort {
  /** `signal` aborts when the client cancels the call, its deadline passes or it disconnects. */
  add(request: AllocatorAddRequest, signal?: AbortSignal): Promise<AllocatorAddResult>;
  del(request: AllocatorDelRequest): Promise<AllocatorDelResult>;
  networkPolicyFacts(): AllocatorNodeFacts;
}

interface PodOf {
  readonly key: IpamKey;
  readonly pod: { readonly namespace: string; readonly name: string };
}

export interface AllocatorAddRequest extends PodOf {
  readonly netns: string;
  readonly multiNic: boolean;
}

export interface AllocatorDelRequest extends PodOf {
  readonly podUid: string;
  readonly reason: string;
}

export interface AllocatedAddress {
  readonly ipv4: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

export type AllocatorAddResult =
  | {
      readonly ok: true;
      readonly addresses: readonly AllocatedAddress[];
      readonly externalSnat: boolean;
      readonly vpcIpv4Cidrs: readonly string[];
      readonly networkPolicyMode: string;
    }
  | { readonly ok: false; readonly reason: string };

export type AllocatorDelResult =
  | { readonly ok: true; readonly released: readonly AllocatedAddress[]; networkPolicyMode: string }
  | { readonly ok: false; readonly failure: 'unknown-pod' }
  | { readonly ok: false; readonly failure: 'checkpoint-failed'; readonly error: string };

export interface AllocatorNodeFacts {
  readonly networkPolicyMode: string;
  readonly multiNicEnabled: boolean;
  readonly nodeIpv4: string;
  readonly nodeIpv6: string;
  readonly instanceId: string;
  readonly region: string;
}
