import { field } from './field-kinds.ts';
import { type MessageCodec, messageCodec } from './message-codec.ts';

/**
 * The messages of proto/rpc.proto (package `rpc`, the reference's field numbers) as plain
 * objects with the proto's field names, and their codecs. Decoded messages hold every field
 * (proto3 defaults filled in); messages to encode may leave fields out.
 */

export interface AddNetworkRequest {
  K8S_POD_NAME: string;
  K8S_POD_NAMESPACE: string;
  K8S_POD_INFRA_CONTAINER_ID: string;
  Netns: string;
  IfName: string;
  NetworkName: string;
  ContainerID: string;
  ClientVersion: string;
  RequiresMultiNICAttachment: boolean;
}

export interface IPAllocationMetadata {
  IPv4Addr: string;
  IPv6Addr: string;
  /** -1 for branch-ENI pods. */
  DeviceNumber: number;
  RouteTableId: number;
}

export interface AddNetworkReply {
  Success: boolean;
  IPAllocationMetadata: IPAllocationMetadata[];
  UseExternalSNAT: boolean;
  VPCv4CIDRs: string[];
  VPCv6CIDRs: string[];
  PodVlanId: number;
  PodENIMAC: string;
  PodENISubnetGW: string;
  ParentIfIndex: number;
  NetworkPolicyMode: string;
}

export interface DelNetworkRequest {
  K8S_POD_NAME: string;
  K8S_POD_NAMESPACE: string;
  K8S_POD_INFRA_CONTAINER_ID: string;
  Reason: string;
  IfName: string;
  NetworkName: string;
  ContainerID: string;
  ClientVersion: string;
  K8S_POD_UID: string;
}

export interface DelNetworkReply {
  Success: boolean;
  IPAllocationMetadata: IPAllocationMetadata[];
  PodVlanId: number;
  NetworkPolicyMode: string;
}

/** google.protobuf.Empty, GetNetworkPolicyConfigs' request. */
export type Empty = Record<never, never>;

export interface NetworkPolicyAgentConfigReply {
  NetworkPolicyMode: string;
  MultiNICEnabled: boolean;
  NodeIPv4: string;
  NodeIPv6: string;
  InstanceID: string;
  Region: string;
}

export const addNetworkRequestCodec: MessageCodec<AddNetworkRequest> = messageCodec(
  'rpc.AddNetworkRequest',
  {
    K8S_POD_NAME: field.string(1),
    K8S_POD_NAMESPACE: field.string(2),
    K8S_POD_INFRA_CONTAINER_ID: field.string(3),
    Netns: field.string(4),
    IfName: field.string(5),
    NetworkName: field.string(6),
    ContainerID: field.string(7),
    ClientVersion: field.string(8),
    RequiresMultiNICAttachment: field.bool(9),
  },
);

export const ipAllocationMetadataCodec: MessageCodec<IPAllocationMetadata> = messageCodec(
  'rpc.IPAllocationMetadata',
  {
    IPv4Addr: field.string(1),
    IPv6Addr: field.string(2),
    DeviceNumber: field.int32(3),
    RouteTableId: field.int32(4),
  },
);

export const addNetworkReplyCodec: MessageCodec<AddNetworkReply> = messageCodec(
  'rpc.AddNetworkReply',
  {
    Success: field.bool(1),
    IPAllocationMetadata: field.repeatedMessage(2, ipAllocationMetadataCodec),
    UseExternalSNAT: field.bool(5),
    VPCv4CIDRs: field.repeatedString(6),
    PodVlanId: field.int32(7),
    PodENIMAC: field.string(8),
    PodENISubnetGW: field.string(9),
    ParentIfIndex: field.int32(10),
    VPCv6CIDRs: field.repeatedString(12),
    NetworkPolicyMode: field.string(13),
  },
);

export const delNetworkRequestCodec: MessageCodec<DelNetworkRequest> = messageCodec(
  'rpc.DelNetworkRequest',
  {
    K8S_POD_NAME: field.string(1),
    K8S_POD_NAMESPACE: field.string(2),
    K8S_POD_INFRA_CONTAINER_ID: field.string(3),
    Reason: field.string(5),
    IfName: field.string(6),
    NetworkName: field.string(7),
    ContainerID: field.string(8),
    ClientVersion: field.string(9),
    K8S_POD_UID: field.string(10),
  },
);

export const delNetworkReplyCodec: MessageCodec<DelNetworkReply> = messageCodec(
  'rpc.DelNetworkReply',
  {
    Success: field.bool(1),
    IPAllocationMetadata: field.repeatedMessage(2, ipAllocationMetadataCodec),
    PodVlanId: field.int32(4),
    NetworkPolicyMode: field.string(6),
  },
);

export const emptyCodec: MessageCodec<Empty> = messageCodec('google.protobuf.Empty', {});

export const networkPolicyAgentConfigReplyCodec: MessageCodec<NetworkPolicyAgentConfigReply> =
  messageCodec('rpc.NetworkPolicyAgentConfigReply', {
    NetworkPolicyMode: field.string(1),
    MultiNICEnabled: field.bool(2),
    NodeIPv4: field.string(3),
    NodeIPv6: field.string(4),
    InstanceID: field.string(5),
    Region: field.string(6),
  });

/** An AddNetworkReply with Success=false and nothing else: how an ADD that failed answers. */
export function emptyAddReply(): AddNetworkReply {
  return addNetworkReplyCodec.defaults();
}

export function emptyDelReply(): DelNetworkReply {
  return delNetworkReplyCodec.defaults();
}
