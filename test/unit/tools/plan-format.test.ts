import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import { describeTargets, planJson, planText } from '../../../src/tools/plan/format-plan.ts';
import { describePoolState } from '../../../src/tools/plan/plan-result.ts';
import type { PlanOutcome } from '../../../src/tools/plan/run-plan.ts';

const outcome: PlanOutcome = {
  result: {
    enis: 3,
    ips: 27,
    prefixes: 0,
    ipsPerEni: [9, 9, 9],
    prefixesPerEni: [0, 0, 0],
    unusedIps: 0,
    failedPods: 3,
  },
  warnings: [],
  prefixDelegation: false,
  maxPods: 29,
  ec2Calls: {},
  unsettled: [],
  finalCycle: undefined,
  elapsedSeconds: 100,
};

describe('plan output', () => {
  it('--json is one object with the seven fields, unsettled only when it never settled', () => {
    expect(planJson(outcome)).toBe(
      '{"enis":3,"ips":27,"prefixes":0,"ipsPerEni":[9,9,9],"prefixesPerEni":[0,0,0],"unusedIps":0,"failedPods":3}',
    );
    expect(JSON.parse(planJson({ ...outcome, finalCycle: ['a', 'b'] })).unsettled).toEqual([
      'a',
      'b',
    ]);
  });

  it('names the targets that are in effect, as the reference decides', () => {
    const config = defaultConfig();
    expect(describeTargets(config, false)).toBe(
      'secondary IPs, WARM_ENI_TARGET=1, WARM_POOL_MODE=reactive',
    );
    expect(describeTargets({ ...config, warmPrefixTarget: 2 }, true)).toBe(
      '/28 prefixes, WARM_PREFIX_TARGET=2, WARM_POOL_MODE=reactive',
    );
    expect(describeTargets({ ...config, minimumIpTarget: 10, maxEni: 2 }, true)).toBe(
      '/28 prefixes, WARM_IP_TARGET=0, MINIMUM_IP_TARGET=10, MAX_ENI=2, WARM_POOL_MODE=reactive',
    );
  });

  it('text shows the numbers, pods without an address and the notes', () => {
    const text = planText(
      { ...outcome, unsettled: [{ pods: 9, states: ['1 ENI [9]', '2 ENIs [9,9]'] }] },
      { instanceType: 'm5.large', pods: 30, config: defaultConfig(), maxPodsGiven: false },
    );
    expect(text).toBe(
      [
        'm5.large with 30 pods',
        '  settings:          secondary IPs, WARM_ENI_TARGET=1, WARM_POOL_MODE=reactive',
        '  max pods:          29 (max-pods calculator)',
        '  ENIs:              3',
        '  IPs:               27',
        '  prefixes:          0',
        '  IPs per ENI:       9 9 9',
        '  prefixes per ENI:  0 0 0',
        '  unused IPs:        0',
        '  pods without an IP: 3 (the pool could not grow for them)',
        '  note: 30 pods is more than max pods 29: kubelet would not start them all',
        '  note: at 9 pods the pool never settles; it keeps cycling through: 1 ENI [9] ⇄ 2 ENIs [9,9]',
        '',
      ].join('\n'),
    );
  });

  it('describes a pool state in one line', () => {
    expect(
      describePoolState({ ...outcome.result, enis: 1, ipsPerEni: [16], ips: 16, prefixes: 1 }),
    ).toBe('1 ENI [16], 16 IPs, 1 prefixes');
  });
});
