import {
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ensureEniTags, tagEni } from '../../../src/daemon/eni-tagging.ts';
import { cleanUpLeakedEnis } from '../../../src/daemon/leaked-eni-cleanup.ts';
import { ec2Error, harness, INSTANCE_ID } from '../aws/ec2-mock-helpers.ts';

/** Tagging and the leaked-ENI cleanup (daemon workflows) over the real SDK adapter. */

describe('tagEni (CreateTags with its back-off)', () => {
  it('sends the tags for the ENI', async () => {
    const h = harness();
    h.mock.on(CreateTagsCommand).resolves({});
    await tagEni(h.ctx, 'eni-1', { a: '1', b: '2' });
    expect(h.mock.commandCalls(CreateTagsCommand)[0]?.args[0].input).toEqual({
      Resources: ['eni-1'],
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
  });

  it('retries on the CreateTags schedule (500 ms ×2, 30 % jitter, 5 tries) and then gives up', async () => {
    const h = harness();
    h.mock.on(CreateTagsCommand).rejects(ec2Error('RequestLimitExceeded', 'slow', 503));
    await expect(tagEni(h.ctx, 'eni-1', { a: '1' })).rejects.toMatchObject({
      kind: 'throttled',
    });
    expect(h.mock.calls()).toHaveLength(5);
    expect(h.sleeps).toEqual([575, 1150, 2300, 4600]);
  });

  it('does not retry a vanished ENI; an empty tag set makes no call', async () => {
    const h = harness();
    h.mock.on(CreateTagsCommand).rejects(ec2Error('InvalidNetworkInterfaceID.NotFound'));
    await expect(tagEni(h.ctx, 'eni-1', { a: '1' })).rejects.toMatchObject({
      kind: 'notFound',
    });
    await tagEni(h.ctx, 'eni-1', {});
    expect(h.mock.calls()).toHaveLength(1);
  });
});

describe('ensureEniTags (TagENI)', () => {
  it('sends only the missing or different tags and answers what it sent', async () => {
    const h = harness({
      tags: { clusterName: 'prod', additionalTags: { team: 'net', 'x.k8s.amazonaws.com': 'no' } },
    });
    h.mock.on(CreateTagsCommand).resolves({});
    const sent = await ensureEniTags(h.ctx, 'eni-1', {
      'node.k8s.amazonaws.com/instance_id': INSTANCE_ID,
      'cluster.k8s.amazonaws.com/name': 'old',
      team: 'net',
    });
    expect(sent).toEqual({
      'cluster.k8s.amazonaws.com/name': 'prod',
      'eks:eni:owner': 'amazon-vpc-cni',
    });
    expect(h.mock.commandCalls(CreateTagsCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: 'cluster.k8s.amazonaws.com/name', Value: 'prod' },
      { Key: 'eks:eni:owner', Value: 'amazon-vpc-cni' },
    ]);
  });

  it('makes no call when the ENI is already tagged', async () => {
    const h = harness();
    expect(
      await ensureEniTags(h.ctx, 'eni-1', { 'node.k8s.amazonaws.com/instance_id': INSTANCE_ID }),
    ).toEqual({});
    expect(h.mock.calls()).toHaveLength(0);
  });
});

describe('cleanUpLeakedEnis through the SDK', () => {
  it('scans with the reference filters (paginated), tags a candidate without createdAt, deletes an old one', async () => {
    const h = harness({ tags: { clusterName: 'prod' } });
    const old = new Date(h.clock.now() - 10 * 60_000).toISOString();
    h.mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-old',
          Description: 'aws-K8S-i-gone',
          Status: 'available',
          TagSet: [{ Key: 'node.k8s.amazonaws.com/createdAt', Value: old }],
        },
        {
          NetworkInterfaceId: 'eni-new',
          Description: 'aws-K8S-i-gone',
          Status: 'available',
          TagSet: [],
        },
      ],
    });
    h.mock.on(CreateTagsCommand).resolves({});
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    const report = await cleanUpLeakedEnis(h.ctx, 'vpc-1');
    expect(report).toEqual({ deleted: ['eni-old'], tagged: ['eni-new'], skipped: [], failed: [] });
    expect(h.mock.commandCalls(DescribeNetworkInterfacesCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'tag-key', Values: ['node.k8s.amazonaws.com/instance_id'] },
        { Name: 'status', Values: ['available'] },
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'tag:cluster.k8s.amazonaws.com/name', Values: ['prod'] },
      ],
      MaxResults: 1000,
      NextToken: undefined,
    });
    expect(h.mock.commandCalls(CreateTagsCommand)[0]?.args[0].input).toEqual({
      Resources: ['eni-new'],
      Tags: [{ Key: 'node.k8s.amazonaws.com/createdAt', Value: '2026-01-01T00:00:00Z' }],
    });
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-old',
    });
  });
});
