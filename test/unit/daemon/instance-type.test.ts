import { describe, expect, it } from 'vitest';
import { resolveInstanceType } from '../../../src/daemon/instance-type.ts';
import { type InstanceTypeInfo, lookupInstanceType } from '../../../src/ipam/instance-limits.ts';

const NEW_TYPE: InstanceTypeInfo = {
  eniLimit: 4,
  ipv4Limit: 15,
  defaultNetworkCardIndex: 0,
  networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 4 }],
  hypervisor: 'nitro',
  bareMetal: false,
};

describe('resolveInstanceType', () => {
  it('answers a type from the static table without calling EC2', async () => {
    const asked: string[] = [];
    const info = await resolveInstanceType(
      {
        describeInstanceType: async (t: string) => {
          asked.push(t);
          return undefined;
        },
      },
      'm5.large',
    );
    expect(info).toMatchObject({ eniLimit: 3, ipv4Limit: 10 });
    expect(asked).toEqual([]);
  });

  it('describes an unknown type once and adds it to the table', async () => {
    const asked: string[] = [];
    const ec2 = {
      describeInstanceType: async (t: string) => {
        asked.push(t);
        return NEW_TYPE;
      },
    };
    expect(await resolveInstanceType(ec2, 'zz9.plural')).toEqual(NEW_TYPE);
    expect(lookupInstanceType('zz9.plural')).toEqual(NEW_TYPE);
    expect(await resolveInstanceType(ec2, 'zz9.plural')).toEqual(NEW_TYPE);
    expect(asked).toEqual(['zz9.plural']);
  });

  it('undefined when EC2 has no limits either (nothing is registered)', async () => {
    expect(
      await resolveInstanceType({ describeInstanceType: async () => undefined }, 'zz9.none'),
    ).toBeUndefined();
    expect(lookupInstanceType('zz9.none')).toBeUndefined();
  });
});
