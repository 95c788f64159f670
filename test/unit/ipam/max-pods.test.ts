import { describe, expect, it } from 'vitest';
import { lookupInstanceType } from '../../../src/ipam/instance-limits.ts';
import {
  calculatedMaxPods,
  decideMaxPods,
  estimatedVcpus,
  servableMaxPods,
} from '../../../src/ipam/max-pods.ts';

const info = (type: string) => {
  const found = lookupInstanceType(type);
  if (!found) throw new Error(`no ${type} in the table`);
  return found;
};
const plain = { prefixDelegation: false, customNetworking: false, maxEni: undefined };
const pd = { ...plain, prefixDelegation: true };

describe('vCPUs from the size name', () => {
  it.each([
    ['t3.small', 2],
    ['m5.large', 2],
    ['m5.xlarge', 4],
    ['c5.4xlarge', 16],
    ['m5.8xlarge', 32],
    ['m5.24xlarge', 96],
    ['r8g.metal-24xl', 96],
    ['m5.metal', 96],
    ['mac1.metal', 12],
    ['a1.metal', 16],
    ['hpc7a.12xlarge', 24],
  ])('%s → %i', (type, vcpus) => {
    expect(estimatedVcpus(type)).toBe(vcpus);
  });
});

describe('the max-pods calculator', () => {
  it('without prefix delegation: eni-max-pods.txt (no cap)', () => {
    expect(calculatedMaxPods(info('t3.small'), 't3.small', plain)).toBe(11);
    expect(calculatedMaxPods(info('m5.large'), 'm5.large', plain)).toBe(29);
    expect(calculatedMaxPods(info('m5.24xlarge'), 'm5.24xlarge', plain)).toBe(737);
  });

  it('with prefix delegation: ×16 per slot, capped at 110 up to 30 vCPUs and 250 above', () => {
    expect(calculatedMaxPods(info('t3.small'), 't3.small', pd)).toBe(110);
    expect(calculatedMaxPods(info('m5.large'), 'm5.large', pd)).toBe(110);
    expect(calculatedMaxPods(info('m5.8xlarge'), 'm5.8xlarge', pd)).toBe(250);
    // a1.medium: 2 ENIs × 3 × 16 + 2 = 98, under the cap.
    expect(calculatedMaxPods(info('a1.medium'), 'a1.medium', pd)).toBe(98);
  });

  it('custom networking counts one ENI fewer', () => {
    expect(
      calculatedMaxPods(info('m5.large'), 'm5.large', { ...plain, customNetworking: true }),
    ).toBe(2 * 9 + 2);
    expect(
      calculatedMaxPods(info('t3.2xlarge'), 't3.2xlarge', { ...plain, customNetworking: true }),
    ).toBe(3 * 14 + 2);
  });

  it('MAX_ENI caps the ENIs counted', () => {
    expect(servableMaxPods(info('m5.large'), { ...plain, maxEni: 1 })).toBe(11);
  });
});

describe('kubelet or the calculator', () => {
  it("kubelet's capacity wins when known", () => {
    expect(decideMaxPods({ kubeletCapacity: 110, calculated: 29, servable: 434 })).toEqual({
      value: 110,
      source: 'kubelet',
      servable: 434,
      warning: undefined,
    });
    expect(decideMaxPods({ kubeletCapacity: undefined, calculated: 29, servable: 29 })).toEqual({
      value: 29,
      source: 'calculated',
      servable: 29,
      warning: undefined,
    });
    expect(decideMaxPods({ kubeletCapacity: 0, calculated: 29, servable: 29 }).source).toBe(
      'calculated',
    );
  });

  it('warns, with the right number, when kubelet allows more than the node can serve', () => {
    // t3.2xlarge with custom networking: kubelet 58, the node 3 × 14 + 2 = 44 (#3238).
    expect(decideMaxPods({ kubeletCapacity: 58, calculated: 44, servable: 44 }).warning).toBe(
      "kubelet allows 58 pods but this node can serve only 44 (pod addresses + 2 host-network pods); set kubelet's --max-pods to 44",
    );
  });
});
