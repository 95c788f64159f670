import * as grpc from '@grpc/grpc-js';
import type {
  NetworkPolicyFacts,
  PodAddRequest,
  PodAddResult,
  PodAddress,
  PodDelRequest,
  PodDelResult,
} from '../ipam/pod-allocation.ts';
import { UNKNOWN_POD_ERROR } from '../wire/reference-errors.ts';
import {
  type AddNetworkReply,
  type AddNetworkRequest,
  type DelNetworkReply,
  type DelNetworkRequest,
  emptyAddReply,
  emptyDelReply,
  type IPAllocationMetadata,
  type NetworkPolicyAgentConfigReply,
} from '../wire/rpc-messages.ts';
import { GrpcFailure } from './grpc-failure.ts';

/**
 * rpc.CNIBackend and rpc.ConfigServerBackend messages to and from the allocator's terms. An ADD
 * that fails answers `Success=false` with no gRPC error; a DEL that fails is a gRPC error, as the
 * reference's ipamd answers them (its `AddNetwork` / `DelNetwork`).
 */

/** The fields AddNetworkRequest and DelNetworkRequest share: who the pod is and its IPAM key. */
interface PodFields {
  K8S_POD_NAME: string;
  K8S_POD_NAMESPACE: string;
  NetworkName: string;
  ContainerID: string;
  IfName: string;
}

function podOf(message: PodFields): Pick<PodAddRequest, 'key' | 'pod'> {
  return {
    key: {
      networkName: message.NetworkName,
      containerID: message.ContainerID,
      ifName: message.IfName,
    },
    pod: { namespace: message.K8S_POD_NAMESPACE, name: message.K8S_POD_NAME },
  };
}

export function addRequestOf(message: AddNetworkRequest): PodAddRequest {
  return {
    ...podOf(message),
    netns: message.Netns,
    multiNic: message.RequiresMultiNICAttachment,
  };
}

export function delRequestOf(message: DelNetworkRequest): PodDelRequest {
  return { ...podOf(message), podUid: message.K8S_POD_UID, reason: message.Reason };
}

function allocationMetadataOf(address: PodAddress): IPAllocationMetadata {
  return {
    IPv4Addr: address.ipv4,
    IPv6Addr: '',
    DeviceNumber: address.deviceNumber,
    RouteTableId: address.routeTableId,
  };
}

export function addNetworkReplyOf(result: PodAddResult): AddNetworkReply {
  if (!result.ok) return emptyAddReply();
  return {
    ...emptyAddReply(),
    Success: true,
    IPAllocationMetadata: result.addresses.map(allocationMetadataOf),
    UseExternalSNAT: result.externalSnat,
    VPCv4CIDRs: [...result.vpcIpv4Cidrs],
    NetworkPolicyMode: result.networkPolicyMode,
  };
}

/** Throws the `GrpcFailure` a failed DEL answers. */
export function delNetworkReplyOf(result: PodDelResult): DelNetworkReply {
  if (result.ok) {
    return {
      ...emptyDelReply(),
      Success: true,
      IPAllocationMetadata: result.released.map(allocationMetadataOf),
      NetworkPolicyMode: result.networkPolicyMode,
    };
  }
  switch (result.failure) {
    case 'unknown-pod':
      // The exact text matters: old plugins match on it to treat a repeated DEL as success.
      throw new GrpcFailure(grpc.status.UNKNOWN, UNKNOWN_POD_ERROR);
    case 'checkpoint-failed':
      throw new GrpcFailure(grpc.status.INTERNAL, `checkpoint write failed: ${result.error}`);
  }
}

export function networkPolicyConfigReplyOf(
  facts: NetworkPolicyFacts,
): NetworkPolicyAgentConfigReply {
  return {
    NetworkPolicyMode: facts.networkPolicyMode,
    MultiNICEnabled: facts.multiNicEnabled,
    NodeIPv4: facts.nodeIpv4,
    NodeIPv6: facts.nodeIpv6,
    InstanceID: facts.instanceId,
    Region: facts.region,
  };
}
