/**
 * The gRPC messages of proto/rpc.proto as plain objects (proto-loader with keepCase and
 * defaults: every scalar is present, strings default to '', numbers to 0, lists to []).
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

export interface NetworkPolicyAgentConfigReply {
  NetworkPolicyMode: string;
  MultiNICEnabled: boolean;
  NodeIPv4: string;
  NodeIPv6: string;
  InstanceID: string;
  Region: string;
}

export function emptyAddReply(): AddNetworkReply {
  return {
    Success: false,
    IPAllocationMetadata: [],
    UseExternalSNAT: false,
    VPCv4CIDRs: [],
    VPCv6CIDRs: [],
    PodVlanId: 0,
    PodENIMAC: '',
    PodENISubnetGW: '',
    ParentIfIndex: 0,
    NetworkPolicyMode: '',
  };
}

export function emptyDelReply(): DelNetworkReply {
  return { Success: false, IPAllocationMetadata: [], PodVlanId: 0, NetworkPolicyMode: '' };
}
