import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../../src/config/deep-freeze.ts';
import { defaultConfig, loadConfig } from '../../../src/config/load-config.ts';
import type { Config } from '../../../src/config/types.ts';

/** Test files are ES modules, so strict mode: writing to a frozen object throws. */
type Mutable = Record<string, unknown>;

describe('the loaded config is deep-frozen', () => {
  const loaded = loadConfig({
    AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.0.0.0/8',
    AWS_EXTERNAL_SERVICE_CIDRS: '192.168.0.0/16',
    ADDITIONAL_ENI_TAGS: '{"team":"net"}',
    EC2_API_RATE_LIMITS: '{"CreateTags":{"capacity":5,"refillPerSecond":1}}',
    WARM_ENI_TARGET: 'bad',
  });
  const { config } = loaded;

  it('top level', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as unknown as Mutable).warmEniTarget = 5;
    }).toThrow(TypeError);
    expect(config.warmEniTarget).toBe(1);
  });

  it('arrays', () => {
    expect(() => (config.excludeSnatCidrs as string[]).push('1.0.0.0/8')).toThrow(TypeError);
    expect(() => {
      (config.externalServiceCidrs as string[])[0] = '0.0.0.0/0';
    }).toThrow(TypeError);
    expect(config.excludeSnatCidrs).toEqual(['10.0.0.0/8']);
    expect(config.externalServiceCidrs).toEqual(['192.168.0.0/16']);
  });

  it('records and their nested specs', () => {
    expect(() => {
      (config.additionalEniTags as Mutable).owner = 'me';
    }).toThrow(TypeError);
    expect(() => {
      (config.ec2RateLimits as Mutable).DeleteTags = { capacity: 1, refillPerSecond: 1 };
    }).toThrow(TypeError);
    expect(() => {
      (config.ec2RateLimits.CreateTags as unknown as Mutable).capacity = 1000;
    }).toThrow(TypeError);
    expect(config.ec2RateLimits.CreateTags).toEqual({ capacity: 5, refillPerSecond: 1 });
  });

  it('the result and its warnings', () => {
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.warnings)).toBe(true);
    expect(Object.isFrozen(loaded.warnings[0])).toBe(true);
    expect(() => (loaded.warnings as unknown[]).pop()).toThrow(TypeError);
  });

  it('two loads share no mutable state', () => {
    const a = loadConfig({}).config;
    const b = loadConfig({}).config;
    expect(a).not.toBe(b);
    expect(a).toStrictEqual(b);
  });
});

describe('defaultConfig', () => {
  it('with no overrides equals the config of an empty environment', () => {
    expect(defaultConfig()).toStrictEqual(loadConfig({}).config);
  });

  it('applies overrides, unvalidated, and freezes the result deeply', () => {
    const config = defaultConfig({
      warmIpTarget: 7,
      enableIPv6: true,
      excludeSnatCidrs: ['10.0.0.0/8'],
    });
    expect(config.warmIpTarget).toBe(7);
    expect(config.enableIPv6).toBe(true);
    expect(config.enableIPv4).toBe(true);
    expect(config.warmEniTarget).toBe(1);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.excludeSnatCidrs)).toBe(true);
    expect(() => (config.excludeSnatCidrs as string[]).push('x')).toThrow(TypeError);
  });

  it("does not freeze the caller's own objects", () => {
    const tags = { team: 'net' };
    const config = defaultConfig({ additionalEniTags: tags });
    expect(config.additionalEniTags).toEqual({ team: 'net' });
    expect(Object.isFrozen(tags)).toBe(false);
    tags.team = 'changed';
    expect(config.additionalEniTags).toEqual({ team: 'net' });
  });

  it('can set an optional field back to undefined', () => {
    const config: Config = defaultConfig({ maxEni: 3 });
    expect(config.maxEni).toBe(3);
    expect(defaultConfig({ maxEni: undefined }).maxEni).toBeUndefined();
  });
});

describe('deepFreeze', () => {
  it('descends into children of an already frozen object', () => {
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    expect(Object.isFrozen(inner)).toBe(true);
  });

  it('survives cycles', () => {
    const a: Mutable = { name: 'a' };
    const b: Mutable = { a };
    a.b = b;
    expect(deepFreeze(a)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(b)).toBe(true);
  });

  it('leaves primitives alone', () => {
    expect(deepFreeze(5)).toBe(5);
    expect(deepFreeze(null)).toBe(null);
    expect(deepFreeze(undefined)).toBe(undefined);
  });
});
