import type {
  NetworkPolicyFacts,
  PodAddRequest,
  PodAddResult,
  PodDelRequest,
  PodDelResult,
  PodGcRequest,
  PodGcResult,
} from '../ipam/pod-allocation.ts';

/**
 * What the CNIBackend and ConfigServerBackend handlers call: the daemon's PodAllocator, declared
 * here as the port rpc needs (the daemon is the outer layer and is not imported). The request and
 * result types are core's (src/ipam/pod-allocation.ts), shared by both sides.
 */
export interface PodAllocatorPort {
  /** `signal` aborts when the client cancels the call, its deadline passes or it disconnects. */
  add(request: PodAddRequest, signal?: AbortSignal): Promise<PodAddResult>;
  del(request: PodDelRequest): Promise<PodDelResult>;
  /** CNI 1.1 GC (our vpcipamd.PodAllocations service). */
  gc(request: PodGcRequest): Promise<PodGcResult>;
  networkPolicyFacts(): NetworkPolicyFacts;
}
