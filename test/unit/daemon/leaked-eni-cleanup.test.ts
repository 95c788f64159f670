import { describe, expect, it } from 'vitest';
import type { Ec2Context } from '../../../src/daemon/ec2-context.ts';
import { cleanUpLeakedEnis } from '../../../src/daemon/leaked-eni-cleanup.ts';
import { VirtualScheduler } from '../../../src/daemon/scheduler.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { REFERENCE_ENI_RETRY_SCHEDULES } from '../../../src/ipam/eni/backoff.ts';
import { leakedEniFilters } from '../../../src/ipam/eni/leaked.ts';
import { TAG_CLUSTER_NAME, TAG_CREATED_AT, TAG_INSTANCE_ID } from '../../../src/ipam/eni/tags.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { MemoryEc2 } from './memory-ec2.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

describe('cleanUpLeakedEnis (the reference: cleanUpLeakedENIs)', () => {
  it('scans with the filters, tags, skips and deletes; one failure does not stop the rest', async () => {
    const scheduler = new VirtualScheduler(new ManualClock(NOW));
    const ec2 = new MemoryEc2({ sleep: (ms) => scheduler.sleep(ms) });
    const ctx: Ec2Context = {
      ec2,
      scheduler,
      random: () => 0,
      logger: silentLogger(),
      schedules: REFERENCE_ENI_RETRY_SCHEDULES,
      tags: { instanceId: ec2.instanceId, clusterName: 'prod', additionalTags: {} },
    };
    const leaked = async (
      name: string,
      tags: Record<string, string>,
      description = 'aws-K8S-i-dead',
    ) => {
      const eni = await ec2.createNetworkInterface({
        subnetId: 'subnet-1',
        securityGroupIds: [],
        description,
        tags: { [TAG_INSTANCE_ID]: 'i-dead', [TAG_CLUSTER_NAME]: 'prod', ...tags },
        addresses: { kind: 'none' },
      });
      return [name, eni.eniId] as const;
    };
    const ids = new Map([
      await leaked('old', { [TAG_CREATED_AT]: at(600_000) }),
      await leaked('young', { [TAG_CREATED_AT]: at(60_000) }),
      await leaked('untagged', {}),
      await leaked('garbled', { [TAG_CREATED_AT]: 'garbled' }),
      await leaked('foreign', { [TAG_CREATED_AT]: at(600_000) }, 'hand-made'),
      await leaked('fails', { [TAG_CREATED_AT]: at(600_000) }),
      await leaked('old2', { [TAG_CREATED_AT]: at(600_000) }),
      // Another cluster's ENI is not even scanned.
      await leaked('other-cluster', { [TAG_CREATED_AT]: at(600_000), [TAG_CLUSTER_NAME]: 'dev' }),
    ]);
    const id = (name: string) => ids.get(name)!;
    // Every try of the delete back-off fails for this one.
    ec2.failNext(
      'deleteNetworkInterface',
      'other',
      'InvalidNetworkInterface.InUse',
      12,
      (args) => args[0] === id('fails'),
    );
    ec2.calls.length = 0;

    const report = await cleanUpLeakedEnis(ctx, 'vpc-1');

    const stamp = at(0);
    expect(ec2.callsOf('listNetworkInterfaces')).toEqual([[leakedEniFilters('vpc-1', 'prod')]]);
    expect(ec2.callsOf('createTags')).toEqual([
      [id('untagged'), { [TAG_CREATED_AT]: stamp }],
      [id('garbled'), { [TAG_CREATED_AT]: stamp }],
    ]);
    expect(report.deleted).toEqual([id('old'), id('old2')]);
    expect(report.tagged).toEqual([id('untagged'), id('garbled')]);
    expect(report.skipped).toEqual([id('young'), id('foreign')]);
    expect(report.failed.map((f) => f.eniId)).toEqual([id('fails')]);
    expect(ec2.callsOf('deleteNetworkInterface').filter((a) => a[0] === id('fails'))).toHaveLength(
      12,
    );
    expect(ec2.enis.has(id('old'))).toBe(false);
    expect(ec2.enis.has(id('other-cluster'))).toBe(true);
  });
});
