import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  paginateDescribeNetworkInterfaces,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion;
let ec2: EC2Client;
let node: SimInstance;
const ours: string[] = [];
const deleted = new Set<string>();
let attached: string;

/** Ours still alive, by creation index. */
function live(pick: (index: number) => boolean = () => true): string[] {
  return ours.filter((id, i) => pick(i) && !deleted.has(id));
}

beforeAll(async () => {
  sim = await startSimulatedRegion({ latency: 'none', buckets: 'off' });
  ec2 = ec2For(sim);
  node = await sim.launchInstance();
  for (let i = 0; i < 12; i++) {
    const out = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: sim.subnetId,
        Description: i < 8 ? `aws-K8S-${node.instanceId}` : 'hand-made',
        TagSpecifications:
          i % 2 === 0
            ? [
                {
                  ResourceType: 'network-interface',
                  Tags: [
                    {
                      Key: 'node.k8s.amazonaws.com/instance_id',
                      Value: i < 6 ? node.instanceId : 'i-other',
                    },
                  ],
                },
              ]
            : undefined,
      }),
    );
    ours.push(out.NetworkInterface!.NetworkInterfaceId!);
  }
  attached = ours[0]!;
  await ec2.send(
    new AttachNetworkInterfaceCommand({
      NetworkInterfaceId: attached,
      InstanceId: node.instanceId,
      DeviceIndex: 1,
    }),
  );
});

afterAll(async () => {
  ec2.destroy();
  await sim.close();
});

async function ids(filters: { Name: string; Values: string[] }[]): Promise<string[]> {
  const out = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: filters }));
  return (out.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId!).sort();
}

describe('DescribeNetworkInterfaces', () => {
  it('pages with MaxResults and NextToken in a stable order, even across deletions', async () => {
    const first = await ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
    expect(first.NetworkInterfaces).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    // The primary ENI came first (created at launch), then ours in creation order.
    expect(first.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([
      node.primaryEniId,
      ...ours.slice(0, 4),
    ]);
    // An ENI of the next page deleted between pages does not shift the page.
    const doomed = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId })))
      .NetworkInterface!;
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: ours[4]! }));
    deleted.add(ours[4]!);
    const second = await ec2.send(
      new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    expect(second.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual(ours.slice(5, 10));
    const third = await ec2.send(
      new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: second.NextToken }),
    );
    expect(third.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([
      ...ours.slice(10),
      doomed.NetworkInterfaceId,
    ]);
    expect(third.NextToken).toBeUndefined();
    await ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: doomed.NetworkInterfaceId! }),
    );
  });

  it("works with the SDK's paginator", async () => {
    const seen: string[] = [];
    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, {})) {
      for (const eni of page.NetworkInterfaces ?? []) seen.push(eni.NetworkInterfaceId!);
    }
    expect(seen).toEqual([node.primaryEniId, ...live()]);
  });

  it('refuses MaxResults out of range, with IDs, and tokens it did not issue', async () => {
    expect(
      (await ec2Failure(ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 4 })))).code,
    ).toBe('InvalidParameterValue');
    expect(
      (await ec2Failure(ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 1001 })))).code,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await ec2Failure(
          ec2.send(
            new DescribeNetworkInterfacesCommand({
              MaxResults: 5,
              NetworkInterfaceIds: [attached],
            }),
          ),
        )
      ).code,
    ).toBe('InvalidParameterCombination');
    expect(
      (
        await ec2Failure(
          ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: 'garbage' })),
        )
      ).code,
    ).toBe('InvalidParameterValue');
  });

  it('filters by tag key, tag value, status, VPC, subnet, attachment and description (with wildcards), ANDed', async () => {
    const sorted = (list: string[]) => [...list].sort();
    expect(
      await ids([{ Name: 'tag-key', Values: ['node.k8s.amazonaws.com/instance_id'] }]),
    ).toEqual(sorted(live((i) => i % 2 === 0)));
    expect(
      await ids([{ Name: 'tag:node.k8s.amazonaws.com/instance_id', Values: [node.instanceId] }]),
    ).toEqual(sorted(live((i) => i % 2 === 0 && i < 6)));
    expect(await ids([{ Name: 'status', Values: ['in-use'] }])).toEqual(
      sorted([node.primaryEniId, attached]),
    );
    expect(await ids([{ Name: 'attachment.instance-id', Values: [node.instanceId] }])).toEqual(
      sorted([node.primaryEniId, attached]),
    );
    expect(await ids([{ Name: 'vpc-id', Values: ['vpc-00000000000000000'] }])).toEqual([]);
    expect(await ids([{ Name: 'subnet-id', Values: [sim.subnetId] }])).toEqual(
      sorted([node.primaryEniId, ...live()]),
    );
    expect(await ids([{ Name: 'description', Values: ['aws-K8S-*'] }])).toEqual(
      sorted(live((i) => i < 8)),
    );
    expect(
      await ids([
        { Name: 'description', Values: ['aws-K8S-i-*'] },
        { Name: 'status', Values: ['available'] },
        { Name: 'tag-key', Values: ['node.k8s.amazonaws.com/instance_id'] },
        { Name: 'vpc-id', Values: [sim.vpcId] },
      ]),
    ).toEqual(sorted(live((i) => i < 8 && i % 2 === 0 && i !== 0)));
    // Values of one filter are ORed.
    expect(await ids([{ Name: 'network-interface-id', Values: [ours[1]!, ours[3]!] }])).toEqual(
      sorted([ours[1]!, ours[3]!]),
    );
  });

  it('an unknown filter name is InvalidParameterValue', async () => {
    const failure = await ec2Failure(
      ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] }),
      ),
    );
    expect(failure).toMatchObject({
      code: 'InvalidParameterValue',
      message: "The filter 'colour' is invalid",
    });
  });
});
