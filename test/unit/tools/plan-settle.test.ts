import { describe, expect, it } from 'vitest';
import { Ec2ApiStats } from '../../../src/aws/api-metrics.ts';
import {
  MAX_SETTLE_TICKS,
  mutationCount,
  QUIET_TICKS,
  Settler,
} from '../../../src/tools/plan/settle.ts';

/** A node whose tick makes the EC2 calls a script says, so the Settler's counting is visible. */
function fakeNode(script: (tick: number) => string[]) {
  const ec2Stats = new Ec2ApiStats();
  let now = 0;
  let ticks = 0;
  const call = (action: string) =>
    ec2Stats.onCall({
      action,
      bucket: 'b',
      outcome: 'success',
      latencyMs: 0,
      attempts: 1,
      rateLimitWaitMs: 0,
    });
  return {
    ec2Stats,
    call,
    scheduler: {
      advance: (ms: number) => {
        now += ms;
      },
    },
    ipamd: {
      tick: async () => {
        ticks++;
        for (const action of script(ticks)) call(action);
      },
    },
    get now() {
      return now;
    },
    get ticks() {
      return ticks;
    },
  };
}

describe('mutationCount', () => {
  it('counts every action but Describe*', () => {
    const node = fakeNode(() => []);
    for (const action of ['DescribeNetworkInterfaces', 'AssignPrivateIpAddresses', 'CreateTags'])
      node.call(action);
    node.call('DescribeSubnets');
    expect(mutationCount(node.ec2Stats)).toBe(2);
  });
});

describe('Settler', () => {
  it('ticks until QUIET_TICKS ticks in a row made no mutation, 5 s each', async () => {
    // Mutations on ticks 1 and 3 (Describe* does not count): quiet from tick 4 on.
    const node = fakeNode((t) =>
      t === 1 || t === 3 ? ['AttachNetworkInterface'] : ['DescribeNetworkInterfaces'],
    );
    const outcome = await new Settler(node).settle(() => 'state');
    expect(outcome).toEqual({ settled: true, ticks: 3 + QUIET_TICKS, cycle: [] });
    expect(node.now).toBe((3 + QUIET_TICKS) * 5_000);
  });

  it('carries the quiet window over to the next call: one tick after an ADD that changed nothing', async () => {
    const node = fakeNode(() => []);
    const settler = new Settler(node);
    expect((await settler.settle(() => '')).ticks).toBe(QUIET_TICKS);
    expect((await settler.settle(() => '')).ticks).toBe(1);
  });

  it('restarts the window when something mutated between calls (a reactive pass)', async () => {
    const node = fakeNode(() => []);
    const settler = new Settler(node);
    await settler.settle(() => '');
    node.call('AssignPrivateIpAddresses');
    expect((await settler.settle(() => '')).ticks).toBe(QUIET_TICKS);
  });

  it('gives up on a pool that keeps changing and names the states it cycles through', async () => {
    // An ENI attached on odd ticks and freed on even ones.
    const node = fakeNode((t) =>
      t % 2 === 1 ? ['CreateNetworkInterface'] : ['DeleteNetworkInterface'],
    );
    const outcome = await new Settler(node).settle(() =>
      node.ticks % 2 === 1 ? '2 ENIs' : '1 ENI',
    );
    expect(outcome.settled).toBe(false);
    expect(outcome.ticks).toBe(MAX_SETTLE_TICKS);
    expect([...outcome.cycle].sort()).toEqual(['1 ENI', '2 ENIs']);
  });
});
