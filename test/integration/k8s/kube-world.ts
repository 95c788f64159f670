/**
 * A simulated region with a secondary VPC CIDR for pod subnets (custom networking's usual
 * setting: 100.64.0.0/16 beside the node's 10.0.0.0/16), security groups for them, and the fake
 * Kubernetes API server the daemon reaches through a kubeconfig — with everything torn down after
 * the test, also when it failed half-way.
 */
import type { NetworkInterface } from '@aws-sdk/client-ec2';
import type { SimOptions } from '../../../src/sim/api.ts';
import { type TestNode, World } from '../daemon/harness.ts';
import { FakeKubeApi } from './fake-kube-api.ts';

export interface KubeWorld {
  readonly world: World;
  readonly api: FakeKubeApi;
  /** Pod subnets in the secondary CIDR, in the node's AZ. */
  readonly subnets: { readonly blue: string; readonly green: string };
  readonly groups: { readonly blue: string; readonly green: string };
}

export const NODE_NAME = 'ip-10-0-0-10.us-west-2.compute.internal';
export const POD_NAME = 'aws-node-x7k2p';

export async function withKubeWorld<T>(
  body: (kube: KubeWorld) => Promise<T>,
  options: SimOptions = {},
): Promise<T> {
  const world = await World.start({ extraVpcCidrs: ['100.64.0.0/16'], ...options });
  let api: FakeKubeApi | undefined;
  try {
    api = await FakeKubeApi.start({ token: 'node-token' });
    const subnets = {
      blue: world.region.createSubnet({ cidr: '100.64.0.0/19' }),
      green: world.region.createSubnet({ cidr: '100.64.32.0/19' }),
    };
    const groups = {
      blue: world.region.createSecurityGroup('pods-blue'),
      green: world.region.createSecurityGroup('pods-green'),
    };
    return await body({ world, api, subnets, groups });
  } finally {
    await world.close();
    await api?.close();
  }
}

/** The environment of aws-node in a cluster: the kubeconfig, MY_NODE_NAME and MY_POD_NAME. */
export function kubeEnv(
  api: FakeKubeApi,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KUBECONFIG: api.kubeconfig(),
    MY_NODE_NAME: NODE_NAME,
    MY_POD_NAME: POD_NAME,
    ...extra,
  };
}

/** The node's secondary ENIs as EC2 describes them, by subnet. */
export async function secondaryEnis(node: TestNode): Promise<NetworkInterface[]> {
  return (await node.ec2Enis()).filter((eni) => eni.Attachment?.DeviceIndex !== 0);
}

/** 'subnet sg,sg' of each ENI, for comparing with an ENIConfig. */
export function placementOf(eni: NetworkInterface): string {
  const groups = (eni.Groups ?? []).map((g) => g.GroupId).sort();
  return `${eni.SubnetId} ${groups.join(',')}`;
}
