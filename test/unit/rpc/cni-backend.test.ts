import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  addNetworkReplyOf,
  addRequestOf,
  delNetworkReplyOf,
  delRequestOf,
  networkPolicyConfigReplyOf,
} from '../../../src/rpc/cni-backend.ts';
import { GrpcFailure } from '../../../src/rpc/grpc-failure.ts';
import { addNetworkRequestCodec, emptyAddReply } from '../../../src/wire/rpc-messages.ts';

const add = {
  ...addNetworkRequestCodec.defaults(),
  K8S_POD_NAME: 'web',
  K8S_POD_NAMESPACE: 'shop',
  K8S_POD_INFRA_CONTAINER_ID: 'infra',
  Netns: '/var/run/netns/cni-1',
  IfName: 'eth0',
  NetworkName: 'aws-cni',
  ContainerID: 'c1',
  ClientVersion: '',
  RequiresMultiNICAttachment: true,
};

function failureOf(run: () => unknown): GrpcFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof GrpcFailure) return error;
    throw error;
  }
  throw new Error('expected a GrpcFailure');
}

describe('CNIBackend translation', () => {
  it('an ADD: the IPAM key, the pod, its netns and the multi-NIC flag', () => {
    expect(addRequestOf(add)).toEqual({
      key: { networkName: 'aws-cni', containerID: 'c1', ifName: 'eth0' },
      pod: { namespace: 'shop', name: 'web' },
      netns: '/var/run/netns/cni-1',
      multiNic: true,
    });
  });

  it('a DEL: the key, the pod, its UID and the reason', () => {
    expect(
      delRequestOf({
        K8S_POD_NAME: 'web',
        K8S_POD_NAMESPACE: 'shop',
        K8S_POD_INFRA_CONTAINER_ID: 'infra',
        Reason: 'SetupNSFailed',
        IfName: 'eth0',
        NetworkName: 'aws-cni',
        ContainerID: 'c1',
        ClientVersion: 'v1.23.1',
        K8S_POD_UID: 'uid-1',
      }),
    ).toEqual({
      key: { networkName: 'aws-cni', containerID: 'c1', ifName: 'eth0' },
      pod: { namespace: 'shop', name: 'web' },
      podUid: 'uid-1',
      reason: 'SetupNSFailed',
    });
  });

  it('an allocation becomes Success with the IPAllocationMetadata, SNAT facts and mode', () => {
    expect(
      addNetworkReplyOf({
        ok: true,
        addresses: [
          { ipv4: '10.0.0.5', deviceNumber: 0, routeTableId: 254 },
          { ipv4: '10.1.0.5', deviceNumber: 2, routeTableId: 3 },
        ],
        externalSnat: false,
        vpcIpv4Cidrs: ['10.0.0.0/16', '192.168.0.0/16'],
        networkPolicyMode: 'standard',
      }),
    ).toEqual({
      ...emptyAddReply(),
      Success: true,
      IPAllocationMetadata: [
        { IPv4Addr: '10.0.0.5', IPv6Addr: '', DeviceNumber: 0, RouteTableId: 254 },
        { IPv4Addr: '10.1.0.5', IPv6Addr: '', DeviceNumber: 2, RouteTableId: 3 },
      ],
      VPCv4CIDRs: ['10.0.0.0/16', '192.168.0.0/16'],
      NetworkPolicyMode: 'standard',
    });
  });

  it('a failed ADD is Success=false and nothing else, not a gRPC error', () => {
    expect(addNetworkReplyOf({ ok: false, reason: 'no available IP addresses' })).toEqual(
      emptyAddReply(),
    );
  });

  it('a release becomes Success with the released addresses', () => {
    expect(
      delNetworkReplyOf({
        ok: true,
        released: [{ ipv4: '10.0.0.5', deviceNumber: 1, routeTableId: 2 }],
        networkPolicyMode: 'strict',
      }),
    ).toEqual({
      Success: true,
      IPAllocationMetadata: [
        { IPv4Addr: '10.0.0.5', IPv6Addr: '', DeviceNumber: 1, RouteTableId: 2 },
      ],
      PodVlanId: 0,
      NetworkPolicyMode: 'strict',
    });
  });

  it('an unknown pod is status UNKNOWN with the reference multierror text, exactly', () => {
    const failure = failureOf(() => delNetworkReplyOf({ ok: false, failure: 'unknown-pod' }));
    expect(failure.code).toBe(grpc.status.UNKNOWN);
    expect(failure.message).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');
  });

  it('a release that could not be made durable is INTERNAL, with the cause', () => {
    const failure = failureOf(() =>
      delNetworkReplyOf({ ok: false, failure: 'checkpoint-failed', error: 'Error: EIO' }),
    );
    expect(failure.code).toBe(grpc.status.INTERNAL);
    expect(failure.message).toBe('checkpoint write failed: Error: EIO');
  });

  it('the node facts for the network-policy agent', () => {
    expect(
      networkPolicyConfigReplyOf({
        networkPolicyMode: 'strict',
        multiNicEnabled: true,
        nodeIpv4: '10.0.0.10',
        nodeIpv6: '',
        instanceId: 'i-1',
        region: 'us-east-1',
      }),
    ).toEqual({
      NetworkPolicyMode: 'strict',
      MultiNICEnabled: true,
      NodeIPv4: '10.0.0.10',
      NodeIPv6: '',
      InstanceID: 'i-1',
      Region: 'us-east-1',
    });
  });
});
