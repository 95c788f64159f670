import fc from 'fast-check';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  IPAllocationMetadata,
} from '../../../src/wire/rpc-messages.ts';

/** Random rpc.proto messages for the property tests: any int32, any Unicode text, short lists. */

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const text = fc.string({ unit: 'binary', maxLength: 16 });
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 3 });

const metadata: fc.Arbitrary<IPAllocationMetadata> = fc.record({
  IPv4Addr: text,
  IPv6Addr: text,
  DeviceNumber: int32,
  RouteTableId: int32,
});

export const arbitrary = {
  addNetworkRequest: fc.record({
    K8S_POD_NAME: text,
    K8S_POD_NAMESPACE: text,
    K8S_POD_INFRA_CONTAINER_ID: text,
    Netns: text,
    IfName: text,
    NetworkName: text,
    ContainerID: text,
    ClientVersion: text,
    RequiresMultiNICAttachment: fc.boolean(),
  }) satisfies fc.Arbitrary<AddNetworkRequest>,
  addNetworkReply: fc.record({
    Success: fc.boolean(),
    IPAllocationMetadata: list(metadata),
    UseExternalSNAT: fc.boolean(),
    VPCv4CIDRs: list(text),
    VPCv6CIDRs: list(text),
    PodVlanId: int32,
    PodENIMAC: text,
    PodENISubnetGW: text,
    ParentIfIndex: int32,
    NetworkPolicyMode: text,
  }) satisfies fc.Arbitrary<AddNetworkReply>,
  delNetworkReply: fc.record({
    Success: fc.boolean(),
    IPAllocationMetadata: list(metadata),
    PodVlanId: int32,
    NetworkPolicyMode: text,
  }) satisfies fc.Arbitrary<DelNetworkReply>,
};
