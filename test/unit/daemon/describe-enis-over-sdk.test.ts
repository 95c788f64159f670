import { DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { describeEni, describeEnis } from '../../../src/daemon/describe-enis.ts';
import { ec2Error, harness } from '../aws/ec2-mock-helpers.ts';

/** The reference's DescribeAllENIs (by ID, NotFound pruning, retries) over the real SDK adapter. */

const notFound = (ids: string) =>
  ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${ids}' does not exist`);

describe('describeEnis (by ID)', () => {
  it('drops the IDs quoted in InvalidNetworkInterfaceID.NotFound and asks again at once', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .rejectsOnce(notFound('eni-2'))
      .rejectsOnce(
        ec2Error(
          'InvalidNetworkInterfaceID.NotFound',
          "The networkInterface IDs 'eni-3, eni-4' do not exist",
        ),
      )
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1' }] });
    const result = await describeEnis(h.ctx, ['eni-1', 'eni-2', 'eni-3', 'eni-4', 'eni-1']);
    expect(result.enis.map((e) => e.eniId)).toEqual(['eni-1']);
    expect(result.notFound).toEqual(['eni-2', 'eni-3', 'eni-4']);
    expect(
      h.mock.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { NetworkInterfaceIds: ['eni-1', 'eni-2', 'eni-3', 'eni-4'] },
      { NetworkInterfaceIds: ['eni-1', 'eni-3', 'eni-4'] },
      { NetworkInterfaceIds: ['eni-1'] },
    ]);
    expect(h.sleeps).toEqual([]);
  });

  it('when every ID is gone, answers without another call', async () => {
    const h = harness();
    h.mock.on(DescribeNetworkInterfacesCommand).rejectsOnce(notFound('eni-9'));
    expect(await describeEnis(h.ctx, ['eni-9'])).toEqual({
      enis: [],
      notFound: ['eni-9'],
    });
    expect(h.mock.calls()).toHaveLength(1);
  });

  it('an empty list makes no call', async () => {
    const h = harness();
    expect(await describeEnis(h.ctx, [])).toEqual({ enis: [], notFound: [] });
    expect(h.mock.calls()).toHaveLength(0);
  });

  it('other failures sleep try × 10 ms and give up after 12 tries', async () => {
    const h = harness();
    h.mock.on(DescribeNetworkInterfacesCommand).rejects(ec2Error('InternalError', 'oops', 500));
    await expect(describeEnis(h.ctx, ['eni-1'])).rejects.toMatchObject({
      code: 'InternalError',
    });
    expect(h.mock.calls()).toHaveLength(12);
    expect(h.sleeps).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  });

  it('a NotFound quoting no requested ID, or UnauthorizedOperation, is thrown at once', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .rejectsOnce(notFound('eni-other'))
      .rejectsOnce(ec2Error('UnauthorizedOperation', 'no', 403));
    await expect(describeEnis(h.ctx, ['eni-1'])).rejects.toMatchObject({
      kind: 'notFound',
    });
    await expect(describeEnis(h.ctx, ['eni-1'])).rejects.toMatchObject({
      kind: 'unauthorized',
    });
    expect(h.mock.calls()).toHaveLength(2);
  });

  it('describeEni answers undefined for an unknown ENI', async () => {
    const h = harness();
    h.mock.on(DescribeNetworkInterfacesCommand).rejects(notFound('eni-1'));
    expect(await describeEni(h.ctx, 'eni-1')).toBeUndefined();
  });
});
