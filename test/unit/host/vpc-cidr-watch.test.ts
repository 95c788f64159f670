import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VpcCidrWatch } from '../../../src/host/snat/vpc-cidr-watch.ts';

describe('VpcCidrWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(initial: string[]) {
    let cidrs: readonly string[] = initial;
    const applied: (readonly string[])[] = [];
    let failApply = false;
    let failSource = false;
    const watch = new VpcCidrWatch({
      initial,
      source: async () => {
        if (failSource) throw new Error('IMDS down');
        return cidrs;
      },
      apply: async (c) => {
        if (failApply) throw new Error('iptables broke');
        applied.push(c);
      },
    });
    return {
      watch,
      applied,
      set: (c: string[]) => {
        cidrs = c;
      },
      failApply: (v: boolean) => {
        failApply = v;
      },
      failSource: (v: boolean) => {
        failSource = v;
      },
    };
  }

  it('re-applies only when the set changed, every 30 s', async () => {
    const t = setup(['10.0.0.0/16']);
    t.watch.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.applied).toEqual([]);
    t.set(['10.0.0.0/16', '10.1.0.0/16']);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(t.applied).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.applied).toEqual([['10.0.0.0/16', '10.1.0.0/16']]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.applied).toHaveLength(1);
    t.watch.stop();
  });

  it('ignores order, duplicates and host bits', async () => {
    const t = setup(['10.0.0.0/16', '10.1.0.0/16']);
    t.set(['10.1.0.0/16', '10.0.5.0/16', '10.1.0.0/16']);
    expect(await t.watch.check()).toBe(false);
    expect(t.applied).toEqual([]);
  });

  it('retries on the next tick when the apply failed, and survives a failed read', async () => {
    const t = setup(['10.0.0.0/16']);
    t.watch.start();
    t.set(['10.2.0.0/16']);
    t.failApply(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.applied).toEqual([]);
    t.failApply(false);
    t.failSource(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.applied).toEqual([]);
    t.failSource(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.applied).toEqual([['10.2.0.0/16']]);
    t.watch.stop();
  });

  it('stop() ends the ticks', async () => {
    const t = setup(['10.0.0.0/16']);
    t.watch.start();
    t.watch.stop();
    t.set(['10.9.0.0/16']);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.applied).toEqual([]);
  });
});
